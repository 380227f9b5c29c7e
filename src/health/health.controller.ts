import { Controller, Get } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../common/decorators/route-access.decorator.js';

/** The health check's answer, of `status`: each indicator (here only `database`) under its verdict. */
function healthCheckSchema(status: 'ok' | 'error') {
  const indicators = {
    type: 'object' as const,
    additionalProperties: {
      type: 'object' as const,
      required: ['status'],
      properties: {
        status: { type: 'string' as const, enum: ['up', 'down'] },
        message: { type: 'string' as const },
        responseTime: { type: 'number' as const, description: 'Milliseconds the check took' },
      },
    },
  };
  return {
    type: 'object' as const,
    required: ['status', 'info', 'error', 'details'],
    properties: {
      status: { type: 'string' as const, enum: [status] },
      info: indicators,
      error: indicators,
      details: indicators,
    },
  };
}

@ApiTags('Health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up and serving requests' })
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: { status: { type: 'string' } },
      example: { status: 'ok' },
    },
  })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  // Terminus's own documentation shows indicators this service does not have (redis).
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOkResponse({
    description: 'The database answers',
    schema: healthCheckSchema('ok'),
    example: {
      status: 'ok',
      info: { database: { status: 'up', responseTime: 1 } },
      error: {},
      details: { database: { status: 'up', responseTime: 1 } },
    },
  })
  @ApiServiceUnavailableResponse({
    description: 'The database does not answer (within 2 seconds)',
    schema: healthCheckSchema('error'),
    example: {
      status: 'error',
      info: {},
      error: {
        database: { status: 'down', message: 'timeout of 2000ms exceeded', responseTime: 2001 },
      },
      details: {
        database: { status: 'down', message: 'timeout of 2000ms exceeded', responseTime: 2001 },
      },
    },
  })
  @ApiOperation({ summary: 'The database is reachable (503 when it is not)' })
  ready() {
    return this.health.check([() => this.database.pingCheck('database', { timeout: 2_000 })]);
  }
}
