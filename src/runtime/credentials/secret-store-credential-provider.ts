/**
 * Credentials from a secret store (Vault, AWS Secrets Manager, GCP Secret Manager, …) behind a
 * one-method interface, so that any store can be plugged in by the runtime with a few lines.
 * Each secret holds the JSON `{ "accessToken": "…", "accountId"?: "…" }`. Nothing is cached here:
 * the token is fetched when a request is about to be made; a store client may cache.
 */
import type { Platform } from '../../domain/platform.js';
import type { CredentialProvider, Credentials } from '../../platforms/connector.js';
import { CredentialsError } from './credentials-error.js';
import { describeIssues, PlatformCredentialsSchema } from './credentials-schema.js';

/** The minimal secret store the adapter needs. */
export interface SecretStore {
  /** The secret's value, or undefined when there is no such secret. */
  getSecret(name: string): Promise<string | undefined>;
}

/** Options of {@link SecretStoreCredentialProvider}. */
export interface SecretStoreCredentialProviderOptions {
  store: SecretStore;
  /**
   * The secret name of a client's platform credentials.
   * @defaultValue `engagement-poller/<clientId>/<platform>`
   */
  secretNameOf?: (clientId: string, platform: Platform) => string;
}

/** The default secret name: `engagement-poller/<clientId>/<platform>`. */
export function defaultSecretName(clientId: string, platform: Platform): string {
  return `engagement-poller/${clientId}/${platform}`;
}

/** Reads each client's platform credentials from a {@link SecretStore}. */
export class SecretStoreCredentialProvider implements CredentialProvider {
  readonly #store: SecretStore;
  readonly #secretNameOf: (clientId: string, platform: Platform) => string;

  constructor(options: SecretStoreCredentialProviderOptions) {
    this.#store = options.store;
    this.#secretNameOf = options.secretNameOf ?? defaultSecretName;
  }

  /** The client's credentials for the platform; rejects with a {@link CredentialsError}. */
  async getCredentials(clientId: string, platform: Platform): Promise<Credentials> {
    const name = this.#secretNameOf(clientId, platform);
    let value: string | undefined;
    try {
      value = await this.#store.getSecret(name);
    } catch (err) {
      // The store's own error is kept as the cause only: its message is not ours to vouch for.
      throw new CredentialsError(
        'credentials_unavailable',
        clientId,
        platform,
        `the secret store failed to return secret "${name}"`,
        { cause: err },
      );
    }
    if (value === undefined) {
      throw new CredentialsError('credentials_missing', clientId, platform, `no secret "${name}"`);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(value);
    } catch (err) {
      // JSON.parse's message would quote the secret: neither it nor the error is passed on.
      throw new CredentialsError(
        'credentials_invalid',
        clientId,
        platform,
        `secret "${name}" is ${err instanceof SyntaxError ? 'not valid JSON' : 'unparsable'}`,
      );
    }
    const parsed = PlatformCredentialsSchema.safeParse(raw);
    if (!parsed.success) {
      throw new CredentialsError(
        'credentials_invalid',
        clientId,
        platform,
        `secret "${name}" is not valid credentials (${describeIssues(parsed.error)})`,
      );
    }
    const credentials: Credentials = { accessToken: parsed.data.accessToken };
    if (parsed.data.accountId !== undefined) credentials.accountId = parsed.data.accountId;
    return credentials;
  }
}
