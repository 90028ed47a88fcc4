import { z } from 'zod'

/**
 * Sign-up rules, in the spirit of the Next.js authentication guide's `SignupFormSchema`.
 * The password is not trimmed: spaces are legitimate password characters, and silently changing
 * what the user typed would make their next sign-in fail.
 */
export const SignupSchema = z.object({
  name: z.string({ error: 'Name is required.' })
    .trim()
    .min(2, { error: 'Name must be at least 2 characters long.' })
    .max(100, { error: 'Name must be at most 100 characters long.' }),
  // Normalised before the format check, so " Ada@Example.com " is accepted and stored once, lowercased.
  email: z.string({ error: 'Email is required.' })
    .trim()
    .toLowerCase()
    .pipe(z.email({ error: 'Please enter a valid email.' })),
  password: z.string({ error: 'Password is required.' })
    .min(8, { error: 'Be at least 8 characters long.' })
    // scrypt cost grows with the input; an upper bound keeps one request from hogging the CPU.
    .max(128, { error: 'Be at most 128 characters long.' })
    .regex(/[a-z]/i, { error: 'Contain at least one letter.' })
    .regex(/\d/, { error: 'Contain at least one number.' })
    .regex(/[^a-z0-9]/i, { error: 'Contain at least one special character.' }),
})

/** Sign-in only checks presence: the rules above apply when choosing a password, not when typing it. */
export const LoginSchema = z.object({
  email: z.string().trim().toLowerCase().min(1),
  password: z.string().min(1).max(1024),
})

/** `{ field: [messages] }` for the client to show next to each input. */
export function fieldErrors(error: z.ZodError): Record<string, string[]> {
  const errors: Record<string, string[]> = {}
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'form')
    ;(errors[field] ??= []).push(issue.message)
  }
  return errors
}
