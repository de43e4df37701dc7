/** Values shared by the bench process and its server child. */

/** What the ceiling routes answer: the shape and size of a `balance` answer. */
export const CEILING_BODY = { balance: '100000000000.00', currency: 'USD' } as const;
export const CEILING_BODY_TEXT = JSON.stringify(CEILING_BODY);
