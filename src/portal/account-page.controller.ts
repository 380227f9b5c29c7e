import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../identity/access.decorator.js';
import { AccountPages } from './account-page.service.js';
import { fieldsOf, FormPost } from './form-post.js';
import { PortalPages } from './portal-pages.service.js';

/** Each route takes the browser's session, checked by the route: without one, it signs in first. */
const BrowserSession = () => Access({ accepts: ['session'], rule: 'anyone' });

/**
 * The portal's account page and its forms, one POST each, for people in browsers: HTML, kept out
 * of the OpenAPI document (the same changes are the self-service API's, under /api/me).
 */
@ApiExcludeController()
@Controller('account')
export class AccountPageController {
  constructor(
    private readonly account: AccountPages,
    private readonly pages: PortalPages,
  ) {}

  @Get()
  @BrowserSession()
  async show(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('done') done: unknown,
  ): Promise<FastifyReply> {
    return this.pages.send(request, reply, await this.account.show(request, done));
  }

  @Post('password')
  @FormPost()
  @BrowserSession()
  async changePassword(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() form: unknown,
  ): Promise<FastifyReply> {
    const answer = await this.account.changePassword(request, fieldsOf(form));
    return this.pages.send(request, reply, answer);
  }

  @Post('totp')
  @FormPost()
  @BrowserSession()
  async startSecondFactor(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() form: unknown,
  ): Promise<FastifyReply> {
    const answer = await this.account.startSecondFactor(request, fieldsOf(form));
    return this.pages.send(request, reply, answer);
  }

  @Post('totp/confirm')
  @FormPost()
  @BrowserSession()
  async confirmSecondFactor(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() form: unknown,
  ): Promise<FastifyReply> {
    const answer = await this.account.confirmSecondFactor(request, fieldsOf(form));
    return this.pages.send(request, reply, answer);
  }

  @Post('totp/off')
  @FormPost()
  @BrowserSession()
  async turnOffSecondFactor(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() form: unknown,
  ): Promise<FastifyReply> {
    const answer = await this.account.turnOffSecondFactor(request, fieldsOf(form));
    return this.pages.send(request, reply, answer);
  }

  @Post('passkeys/options')
  @FormPost()
  @BrowserSession()
  async startPasskey(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() form: unknown,
  ): Promise<FastifyReply> {
    const answer = await this.account.startPasskey(request, fieldsOf(form));
    return this.pages.send(request, reply, answer);
  }

  @Post('passkeys')
  @FormPost()
  @BrowserSession()
  async addPasskey(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() form: unknown,
  ): Promise<FastifyReply> {
    const answer = await this.account.addPasskey(request, fieldsOf(form));
    return this.pages.send(request, reply, answer);
  }

  @Post('passkeys/:id/rename')
  @FormPost()
  @BrowserSession()
  async renamePasskey(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() form: unknown,
    @Param('id') id: string,
  ): Promise<FastifyReply> {
    const answer = await this.account.renamePasskey(request, fieldsOf(form), id);
    return this.pages.send(request, reply, answer);
  }

  @Post('passkeys/:id/remove')
  @FormPost()
  @BrowserSession()
  async removePasskey(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() form: unknown,
    @Param('id') id: string,
  ): Promise<FastifyReply> {
    const answer = await this.account.removePasskey(request, fieldsOf(form), id);
    return this.pages.send(request, reply, answer);
  }

  @Post('sessions/end-others')
  @FormPost()
  @BrowserSession()
  async endOtherSessions(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() form: unknown,
  ): Promise<FastifyReply> {
    const answer = await this.account.endOtherSessions(request, fieldsOf(form));
    return this.pages.send(request, reply, answer);
  }

  @Post('login-key/remove')
  @FormPost()
  @BrowserSession()
  async removeLoginKey(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() form: unknown,
  ): Promise<FastifyReply> {
    const answer = await this.account.removeLoginKey(request, fieldsOf(form));
    return this.pages.send(request, reply, answer);
  }
}
