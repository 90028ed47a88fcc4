import { randomBytes, randomUUID, scrypt, timingSafeEqual, createHash, type BinaryLike } from 'node:crypto'

/** What is stored per user. `passwordHash` never leaves this file's callers' server code. */
export interface StoredUser {
  id: string
  name: string
  email: string
  passwordHash: string
  createdAt: string
}

/** The shape every API response uses: no hash, ever. */
export interface PublicUser {
  id: string
  name: string
  email: string
  /** `['user']`, plus `'admin'` for emails matching `runtimeConfig.adminEmailPattern`. */
  roles: string[]
}

const KEY_LENGTH = 64

function scryptAsync(password: BinaryLike, salt: BinaryLike): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, (error, key) => (error ? reject(error) : resolve(key)))
  })
}

/** `salt:hash` in hex, with a fresh 16-byte salt per password so equal passwords hash differently. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const hash = await scryptAsync(password, salt)
  return `${salt.toString('hex')}:${hash.toString('hex')}`
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [saltHex, hashHex] = stored.split(':')
  if (!saltHex || !hashHex) return false
  const expected = Buffer.from(hashHex, 'hex')
  const actual = await scryptAsync(password, Buffer.from(saltHex, 'hex'))
  // Constant-time comparison: a byte-by-byte `===` would leak how much of the hash matched.
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}

// A hash to compare against when the email is unknown, so "no such user" takes as long as
// "wrong password" and response times do not reveal which emails are registered.
let decoyHash: Promise<string> | undefined
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword(randomUUID())
  return decoyHash
}

export function toPublicUser(user: StoredUser): PublicUser {
  return { id: user.id, name: user.name, email: user.email, roles: userRoles(user.email) }
}

/** Roles decided by email (env NUXT_ADMIN_EMAIL_PATTERN): the playground's stand-in for a roles table. */
export function userRoles(email: string): string[] {
  const pattern = String(useRuntimeConfig().adminEmailPattern || '')
  return pattern && new RegExp(pattern, 'i').test(email) ? ['user', 'admin'] : ['user']
}

/** Every user, for the admin area. */
export async function listUsers(): Promise<PublicUser[]> {
  const keys = (await users().getKeys()).filter(key => key.startsWith('id:'))
  const stored = await Promise.all(keys.map(key => users().getItem<StoredUser>(key)))
  return stored.filter((user): user is StoredUser => user !== null).map(toPublicUser)
}

/** The `users` mount (fs driver, see `nitro.storage` in nuxt.config): `id:<id>` records plus an `email:<sha256>` index. */
function users() {
  return useStorage('users')
}

// Emails are hashed for the index key: keys become file names, and an email may hold characters
// a file system dislikes.
function emailKey(email: string): string {
  return `email:${createHash('sha256').update(email).digest('hex')}`
}

export async function findUserById(id: string): Promise<StoredUser | null> {
  // Ids are UUIDs we issued; anything else (e.g. a forged `sub` with path characters) is not a key we read.
  if (!/^[0-9a-f-]{36}$/.test(id)) return null
  return await users().getItem<StoredUser>(`id:${id}`)
}

export async function findUserByEmail(email: string): Promise<StoredUser | null> {
  const id = await users().getItem<string>(emailKey(email))
  return id ? await findUserById(id) : null
}

// Registrations run one at a time in this process, so two concurrent sign-ups with the same email
// cannot both pass the duplicate check (the fs driver has no transactions).
let registrations: Promise<unknown> = Promise.resolve()

/** Creates a user, or returns null when the email is taken. `email` must already be normalised. */
export function createUser(input: { name: string, email: string, password: string }): Promise<StoredUser | null> {
  const run = registrations.then(async () => {
    if (await users().hasItem(emailKey(input.email))) return null
    const user: StoredUser = {
      id: randomUUID(),
      name: input.name,
      email: input.email,
      passwordHash: await hashPassword(input.password),
      createdAt: new Date().toISOString(),
    }
    await users().setItem(`id:${user.id}`, user)
    await users().setItem(emailKey(user.email), user.id)
    return user
  })
  registrations = run.catch(() => {})
  return run
}
