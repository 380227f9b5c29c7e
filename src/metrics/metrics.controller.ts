import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/decorators/route-access.decorator.js';

const EXAMPLE = [
  '# HELP gatehouse_logins_total Login attempts, by API and outcome',
  '# TYPE gatehouse_logins_total counter',
  'gatehouse_logins_total{api="jwt",outcome="success"} 12',
  'gatehouse_logins_total{api="session",outcome="failure"} 3',
].join('\n');

/** `GET /metrics` for Prometheus; its path is set by PrometheusModule.register. */
@ApiTags('Operations')
@Public()
@Controller()
export class MetricsController extends PrometheusController {
  @Get()
  @ApiOperation({
    summary: 'Prometheus metrics: logins, token and session checks, lockouts, request latency',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'Prometheus text exposition format',
    schema: { type: 'string', example: EXAMPLE },
  })
  index(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    return super.index(reply);
  }
}
