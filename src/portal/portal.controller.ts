import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../common/decorators/route-access.decorator.js';
import { Access } from '../identity/access.decorator.js';
import { fieldsOf, FormPost } from './form-post.js';
import { PortalPages } from './portal-pages.service.js';
import { PortalService } from './portal.service.js';

/**
 * The sign-in portal's pages, for people in browsers: HTML, so kept out of the OpenAPI document.
 * Each route checks the browser's session itself, since a page answers a missing one by sending
 * the browser to sign in rather than with a 401.
 */
@ApiExcludeController()
@Controller()
export class PortalController {
  constructor(
    private readonly portal: PortalService,
    private readonly pages: PortalPages,
  ) {}

  @Get('signin')
  @Access({ accepts: ['session'], rule: 'anyone' })
  async signInForm(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('rd') rd: unknown,
  ): Promise<FastifyReply> {
    return this.pages.send(request, reply, await this.portal.signInForm(request, rd));
  }

  @Post('signin')
  @FormPost()
  @Access({ accepts: ['password', 'passkey'], rule: 'anyone' })
  async signIn(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() form: unknown,
  ): Promise<FastifyReply> {
    return this.pages.send(request, reply, await this.portal.signIn(request, fieldsOf(form)));
  }

  @Get('signout')
  @Public()
  signOutForm(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('rd') rd: unknown,
  ): FastifyReply {
    return this.pages.send(request, reply, this.portal.signOutForm(rd));
  }

  @Post('signout')
  @FormPost()
  @Access({ accepts: ['session'], rule: 'anyone' })
  async signOut(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() form: unknown,
  ): Promise<FastifyReply> {
    return this.pages.send(request, reply, await this.portal.signOut(request, fieldsOf(form)));
  }
}
