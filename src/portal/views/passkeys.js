/*
 * The portal's passkey script, on the pages that offer a passkey, after @simplewebauthn/browser
 * (the global SimpleWebAuthnBrowser). Every page works without it for passwords and codes: a
 * passkey's forms stay hidden until this script finds a browser that supports WebAuthn. It only
 * runs the browser's side of the ceremony and fills the form's hidden fields; the form is then
 * sent as any other, with its form token, and the server judges everything.
 *
 * - `form[data-passkey="sign-in"]` (the sign-in page, the code page): asks the portal for the
 *   options of a sign-in, lets the browser sign them with a passkey, and sends `challengeId` and
 *   `passkey` (the signed answer, as JSON).
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
  function alertOf(form, message) {
    const alert = document.getElementById(form.dataset.alert);
    alert.textContent = message;
    alert.hidden = false;
  }

  function clearAlert(form) {
    const alert = document.getElementById(form.dataset.alert);
    alert.hidden = true;
    alert.textContent = '';
  }

  /** Runs `ceremony` once per press: the button stays disabled until it ends one way or another. */
  function onSubmit(form, ceremony) {
    const button = form.querySelector('button[type="submit"]');
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (button.disabled) return;
      button.disabled = true;
      clearAlert(form);
      ceremony()
        .then((ready) => {
          if (ready) form.submit();
          else button.disabled = false;
        })
        .catch((error) => {
          button.disabled = false;
          alertOf(form, error instanceof Refusal ? error.message : FAILED);
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

  function signInWithPasskey(form) {
    onSubmit(form, async () => {
      const { challengeId, optionsJSON } = await signInOptions();
      let signed;
      try {
        signed = await webAuthn.startAuthentication({ optionsJSON });
      } catch {
        throw new Refusal(CANCELLED);
      }
      form.elements.challengeId.value = challengeId;
      form.elements.passkey.value = JSON.stringify(signed);
      return true;
    });
  }

  function registerPasskey(form) {
    const optionsJSON = JSON.parse(document.getElementById(form.dataset.options).textContent);
    onSubmit(form, async () => {
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
    for (const form of document.querySelectorAll('form[data-passkey]')) {
      if (form.dataset.passkey === 'sign-in') signInWithPasskey(form);
      else if (form.dataset.passkey === 'register') registerPasskey(form);
      else continue;
      form.hidden = false;
    }
  };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
