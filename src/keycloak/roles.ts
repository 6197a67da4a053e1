/** The realm roles of the service (SPEC §3): created by bootstrap-realm, checked by the HTTP layer. */
export const INTERNAL_ROLE = 'byok-internal';
export const ADMIN_ROLE = 'byok-admin';
