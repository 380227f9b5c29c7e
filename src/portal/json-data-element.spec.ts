import { jsonDataElementText } from './json-data-element.js';

describe('jsonDataElementText', () => {
  it('writes nothing that ends a script element or opens a comment in it, and reads back the same', () => {
    const value = { name: '</script><script>alert(1)</script><!-- & \u2028\u2029 >' };
    const text = jsonDataElementText(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });
});
