/** Types for punycode.js 2.3 (RFC 3492), which ships none. */
declare module 'punycode.js' {
  const punycode: {
    toASCII(domain: string): string;
    toUnicode(domain: string): string;
  };
  export default punycode;
}
