import { z } from 'zod';

/** Bodies of the account routes. Shared by the server, the tests and the load generators. */
export const EMAIL_MAX_LENGTH = 254;
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

const email = z
  .string()
  .trim()
  .max(EMAIL_MAX_LENGTH)
  .pipe(z.email())
  .transform((value) => value.toLowerCase());

export const RegisterBody = z.strictObject({
  email,
  password: z
    .string()
    .min(PASSWORD_MIN_LENGTH)
    .max(PASSWORD_MAX_LENGTH)
    .describe('refused with PASSWORD_TOO_WEAK when common or easily guessed, or when it contains the email'),
  /** Recruiters post jobs and swipe on candidates for them. */
  role: z.enum(['member', 'recruiter']).default('member'),
});
export type RegisterBody = z.infer<typeof RegisterBody>;

export const LoginBody = z.strictObject({
  email,
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
});
export type LoginBody = z.infer<typeof LoginBody>;

export const RefreshBody = z.strictObject({ refreshToken: z.string().min(1).max(200) });
export type RefreshBody = z.infer<typeof RefreshBody>;

export interface TokenPair {
  readonly userId: string;
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Seconds until the access token expires. */
  readonly expiresIn: number;
}

/** Every HTTP refusal. On `/matchmake/*` the message also starts with the code, as the SDK keeps only the message. */
export interface HttpErrorBody {
  readonly code: string;
  readonly message: string;
}

/** `DELETE /me`: the account's password, to confirm that its person means it. */
export const DeleteAccountBody = z.strictObject({ password: z.string().min(1).max(PASSWORD_MAX_LENGTH) });
export type DeleteAccountBody = z.infer<typeof DeleteAccountBody>;
