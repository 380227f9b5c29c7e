import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/decorators/route-access.decorator.js';
import { type PortalScript, PortalScripts, SCRIPTS_PATH } from './portal-scripts.service.js';

/**
 * The portal's scripts, for the pages that offer passkeys. Their addresses carry a hash of the
 * text, so a browser keeps each for good and loads a changed one anew.
 */
@ApiExcludeController()
@Public()
@Controller(SCRIPTS_PATH)
export class PortalScriptsController {
  constructor(private readonly scripts: PortalScripts) {}

  @Get('webauthn.js')
  webAuthn(@Res() reply: FastifyReply): FastifyReply {
    return send(reply, this.scripts.webAuthn);
  }

  @Get('passkeys.js')
  passkeys(@Res() reply: FastifyReply): FastifyReply {
    return send(reply, this.scripts.passkeys);
  }
}

function send(reply: FastifyReply, script: PortalScript): FastifyReply {
  return reply
    .header('Cache-Control', 'public, max-age=31536000, immutable')
    .type('text/javascript; charset=utf-8')
    .send(script.text);
}
