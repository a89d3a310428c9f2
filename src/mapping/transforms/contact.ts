import { TransformError, defineTransform, expectText, noArgs, show } from './core.js';
import { emailStep } from '../../sql/rule-steps.js';

/**
 * Contact details as they are matched across sources: the same customer shows up as
 * `Kari@Example.no` in Stripe and `"Kari Nordmann" <kari@example.no>` in the mailbox.
 */

export const email = defineTransform({
  name: 'email',
  output: 'text',
  summary: 'trim, take the address out of `Name <addr>`, lower-case, and check it has one @ with text on both sides',
  usage: ['email'],
  args: noArgs,
  apply(value) {
    const text = expectText(value).trim();
    // Mail headers carry display names; the address is what identifies the person.
    const angle = /<([^<>]*)>\s*$/.exec(text);
    const address = (angle?.[1] ?? text).trim().replace(/^mailto:/i, '').toLowerCase();
    const at = address.indexOf('@');
    if (at <= 0 || at === address.length - 1 || address.indexOf('@', at + 1) >= 0 || /[\s<>,;"]/.test(address)) {
      throw new TransformError(`${show(value)} is not an email address`);
    }
    return address;
  },
  sql: () => emailStep,
});

export const phoneDigits = defineTransform({
  name: 'phone_digits',
  output: 'text',
  summary: 'keep a leading + and the digits ("+47 912 34 567" → "+4791234567"); letters (ext., x) are an error',
  usage: ['phone_digits'],
  args: noArgs,
  apply(value) {
    const text = expectText(value).trim();
    // Only layout characters may be dropped; anything else (an "ext. 12") would merge into the number.
    if (!/^\+?[\d\s\u00a0\-.()/]*$/.test(text) || !/\d/.test(text)) {
      throw new TransformError(`${show(value)} is not a phone number (only digits, a leading +, spaces and - . ( ) / are allowed)`);
    }
    return (text.startsWith('+') ? '+' : '') + text.replace(/\D/g, '');
  },
});

export const CONTACT_TRANSFORMS = [email, phoneDigits];
