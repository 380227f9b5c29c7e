import { applyDecorators, type CanActivate, type Type, UseGuards } from '@nestjs/common';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { AddressLimitGuard } from './address-limit.guard.js';

type Guard = Type<CanActivate> | CanActivate;

/**
 * The 429 a limited route answers, in its API's dialect, with the seconds to wait in
 * Retry-After. A route that documents its own 429 body keeps it; this adds the header.
 */
export const ApiRateLimitedResponse = () =>
  ApiTooManyRequestsResponse({
    description: 'Too many attempts from this address, or on this account',
    headers: {
      'Retry-After': {
        required: true,
        description: 'Seconds until the client may try again',
        schema: { type: 'integer', minimum: 1 },
      },
    },
  });

/**
 * A login route: every request counts against the per-address login limit, before `guards` and
 * before anything else runs. The password check counts the requests of any other route that
 * checks a password by itself, so no route can forget the limit.
 */
export const LoginRoute = (...guards: Guard[]) =>
  applyDecorators(UseGuards(AddressLimitGuard('login'), ...guards), ApiRateLimitedResponse());

/** A route that hashes or compares a password it is given: counted against the password-ops limit first. */
export const HashesPassword = (...guards: Guard[]) =>
  applyDecorators(
    UseGuards(AddressLimitGuard('password-ops'), ...guards),
    ApiRateLimitedResponse(),
  );
