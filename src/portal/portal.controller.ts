import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../common/decorators/route-access.decorator.js';
import type { FormRouteConfig } from '../common/form-body.js';
import { Access } from '../identity/access.decorator.js';
import { PortalPages } from './portal-pages.service.js';
import { type FormFields, PortalService } from './portal.service.js';

/** A form post: the HTML form body, read as text fields. */
const FormPost = () => RouteConfig({ form: true } satisfies FormRouteConfig);

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
  @Access({ accepts: ['password'], rule: 'anyone' })
  async signIn(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() form: FormFields,
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
    @Body() form: FormFields,
  ): Promise<FastifyReply> {
    return this.pages.send(request, reply, await this.portal.signOut(request, fieldsOf(form)));
  }

  @Get('account')
  @Access({ accepts: ['session'], rule: 'anyone' })
  async account(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    return this.pages.send(request, reply, await this.portal.account(request));
  }
}

/** The text fields of a form body; anything else (no body, a JSON body's other values) is none. */
function fieldsOf(body: unknown): FormFields {
  if (typeof body !== 'object' || body === null) return {};
  return Object.fromEntries(
    Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}
