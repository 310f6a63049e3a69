declare module 'tr46' {
  export interface ToASCIIOptions {
    checkBidi?: boolean;
    checkHyphens?: boolean;
    checkJoiners?: boolean;
    useSTD3ASCIIRules?: boolean;
    transitionalProcessing?: boolean;
    verifyDNSLength?: boolean;
    ignoreInvalidPunycode?: boolean;
  }
  export function toASCII(domain: string, options?: ToASCIIOptions): string | null;
  export function toUnicode(domain: string, options?: object): { domain: string; error: boolean };
}
