import { type CanActivate, type Type, UseGuards } from '@nestjs/common';
import { AddressLimitGuard } from './address-limit.guard.js';

type Guard = Type<CanActivate> | CanActivate;

/**
 * A login route: every request counts against the per-address login limit, before `guards` and
 * before anything else runs. The password check counts the requests of any other route that
 * checks a password by itself, so no route can forget the limit.
 */
export const LoginRoute = (...guards: Guard[]) => UseGuards(AddressLimitGuard('login'), ...guards);

/** A route that hashes or compares a password it is given: counted against the password-ops limit first. */
export const HashesPassword = (...guards: Guard[]) =>
  UseGuards(AddressLimitGuard('password-ops'), ...guards);
