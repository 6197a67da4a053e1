// Types for the parts of keycloak-connect (CommonJS, untyped) that token-verifier.ts uses.
declare module 'keycloak-connect/middleware/auth-utils/config.js' {
  export default class Config {
    constructor(config: Record<string, unknown>);
    realmUrl: string;
    clientId: string;
  }
}
declare module 'keycloak-connect/middleware/auth-utils/grant-manager.js' {
  import type Token from 'keycloak-connect/middleware/auth-utils/token.js';
  export default class GrantManager {
    constructor(config: unknown);
    realmUrl: string;
    rotation: { jwks: Array<{ kid?: string }>; lastTimeRequesTime: number };
    validateToken(token: Token, expectedType: string): Promise<Token>;
  }
}
declare module 'keycloak-connect/middleware/auth-utils/token.js' {
  export default class Token {
    constructor(token: string, clientId?: string);
    header?: { kid?: string; alg?: string };
    content: Record<string, unknown>;
    signed?: string;
  }
}
