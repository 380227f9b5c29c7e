/*
 * The portal's passkey script, on the pages that offer a passkey, after @simplewebauthn/browser
 * (the global SimpleWebAuthnBrowser). Every page works without it for passwords and codes: the
 * passkey buttons stay hidden until this script finds a browser that supports WebAuthn. It only
 * runs the browser's side of the ceremony and fills the form's fields; the form is then sent as
 * any other, with its form token, and the server judges everything.
 *
 * - `[data-passkey="sign-in"]` (the sign-in page, the code page): a second way to send the page's
 *   form. Its button asks the portal for the options of a sign-in, lets the browser sign them with
 *   a passkey, and sends the form with `challengeId` and `passkey` (the signed answer, as JSON),
 *   fields that stay disabled, and so unsent, until then.
 * - `form[data-passkey="register"]` (adding a passkey): the options are in the page's JSON data
 *   element; the browser makes a passkey for them and the form sends `response` with its name.
 */
'use strict';

(() => {
  const webAuthn = window.SimpleWebAuthnBrowser;
  const supported = Boolean(webAuthn) && webAuthn.browserSupportsWebAuthn();

  const CANCELLED =
    'No passkey was used. You can try again, or sign in with your password instead.';
  const NOT_STARTED = 'Signing in with a passkey did not start. Please try again.';
  const NOT_MADE = 'No passkey was made. You can try again.';
  const MADE_ALREADY = 'This device holds a passkey for your account already.';
  const FAILED = 'Something went wrong with the passkey. Please try again.';

  /** A failure the person is told of in words of the page. */
  class Refusal extends Error {}

  /** Says what went wrong in the page's alert for passkeys, read out as it appears. */
  function alertOf(alertId, message) {
    const alert = document.getElementById(alertId);
    alert.textContent = message;
    alert.hidden = false;
  }

  function clearAlert(alertId) {
    const alert = document.getElementById(alertId);
    alert.hidden = true;
    alert.textContent = '';
  }

  /**
   * When `button` sends `form`, runs `ceremony` instead, then sends the form if it says so; the
   * button stays disabled meanwhile, and a failure is said in the page's alert for passkeys.
   */
  function takeOver(form, button, alertId, ceremony) {
    form.addEventListener('submit', (event) => {
      if (event.submitter !== button) return;
      event.preventDefault();
      if (button.disabled) return;
      button.disabled = true;
      clearAlert(alertId);
      ceremony()
        .then((ready) => {
          if (ready) form.submit();
          else button.disabled = false;
        })
        .catch((error) => {
          button.disabled = false;
          alertOf(alertId, error instanceof Refusal ? error.message : FAILED);
        });
    });
  }

  /** The options of a passkey sign-in, from the portal, bound to this browser's form cookie. */
  async function signInOptions() {
    let answer;
    try {
      answer = await fetch('/webauthn/authentication/options', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { Accept: 'application/json' },
      });
    } catch {
      throw new Refusal(NOT_STARTED);
    }
    if (!answer.ok) throw new Refusal(NOT_STARTED);
    const { challengeId, ...optionsJSON } = await answer.json();
    return { challengeId, optionsJSON };
  }

  function signInWithPasskey(offer) {
    const form = offer.closest('form');
    const fields = offer.querySelectorAll('input');
    takeOver(form, offer.querySelector('button'), offer.dataset.alert, async () => {
      const { challengeId, optionsJSON } = await signInOptions();
      let signed;
      try {
        signed = await webAuthn.startAuthentication({ optionsJSON });
      } catch {
        throw new Refusal(CANCELLED);
      }
      form.elements.challengeId.value = challengeId;
      form.elements.passkey.value = JSON.stringify(signed);
      for (const field of fields) field.disabled = false;
      return true;
    });
  }

  function registerPasskey(form) {
    const optionsJSON = JSON.parse(document.getElementById(form.dataset.options).textContent);
    takeOver(form, form.querySelector('button'), form.dataset.alert, async () => {
      if (!form.reportValidity()) return false;
      let made;
      try {
        made = await webAuthn.startRegistration({ optionsJSON });
      } catch (error) {
        const known = error && error.code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED';
        throw new Refusal(known ? MADE_ALREADY : NOT_MADE);
      }
      form.elements.response.value = JSON.stringify(made);
      return true;
    });
  }

  const start = () => {
    if (!supported) return;
    for (const unsupported of document.querySelectorAll('[data-passkey-unsupported]')) {
      unsupported.hidden = true;
    }
    for (const offer of document.querySelectorAll('[data-passkey]')) {
      if (offer.dataset.passkey === 'sign-in') signInWithPasskey(offer);
      else if (offer.dataset.passkey === 'register') registerPasskey(offer);
      else continue;
      offer.hidden = false;
    }
  };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
