/**
 * The Azure Blob Storage side: building a container client from an Entra ID
 * credential (or, as an explicit fallback, a connection string) and turning the
 * service's errors into messages that say what to fix.
 */
import type { TokenCredential } from '@azure/identity';
import {
  BlobServiceClient,
  ContainerClient,
  StoragePipelineOptions,
  StorageRetryPolicyType,
} from '@azure/storage-blob';

/** Where to publish. */
export type StorageTarget =
  | {
      /** Storage account name, e.g. `contosotechdocs`. */
      accountName: string;
      /** An Entra ID credential with Storage Blob Data Contributor on the container. */
      credential: TokenCredential;
      /** Blob endpoint override (sovereign clouds). Default `https://<account>.blob.core.windows.net`. */
      endpoint?: string;
      containerName: string;
    }
  | {
      /** Emulators and legacy setups only: a connection string with a key or SAS. */
      connectionString: string;
      containerName: string;
    };

/**
 * Retries: the SDK's exponential policy, tuned down from its defaults (4 tries,
 * no per-try timeout) so a stuck request fails in minutes, not never.
 */
const pipelineOptions: StoragePipelineOptions = {
  retryOptions: {
    retryPolicyType: StorageRetryPolicyType.EXPONENTIAL,
    maxTries: 4,
    tryTimeoutInMs: 60_000,
    retryDelayInMs: 500,
    maxRetryDelayInMs: 8_000,
  },
  userAgentOptions: { userAgentPrefix: 'stagedoor-techdocs' },
};

/** A container client for `target`, with tuned retries and timeouts. */
export function createContainerClient(target: StorageTarget): ContainerClient {
  if (
    !target.containerName ||
    !/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(target.containerName)
  ) {
    throw new StorageError(
      `'${target.containerName}' is not a valid container name: use 3-63 lower-case letters, digits and single hyphens (containerName)`,
    );
  }
  let service: BlobServiceClient;
  if ('connectionString' in target) {
    try {
      service = BlobServiceClient.fromConnectionString(
        target.connectionString,
        pipelineOptions,
      );
    } catch {
      // The SDK's message can quote the connection string; never echo it.
      throw new StorageError(
        'The storage connection string could not be parsed: expect AccountName=…;AccountKey=…;BlobEndpoint=… or a SAS form',
      );
    }
  } else {
    if (!/^[a-z0-9]{3,24}$/.test(target.accountName)) {
      throw new StorageError(
        `'${target.accountName}' is not a storage account name: use 3-24 lower-case letters and digits (storageAccount)`,
      );
    }
    const endpoint =
      target.endpoint ?? `https://${target.accountName}.blob.core.windows.net`;
    service = new BlobServiceClient(
      endpoint,
      target.credential,
      pipelineOptions,
    );
  }
  return service.getContainerClient(target.containerName);
}

/** A storage failure with a message that says what to fix. */
export class StorageError extends Error {
  override name = 'StorageError';
}

interface RestErrorLike {
  statusCode?: number;
  code?: string;
  message?: string;
}

/** Translates an SDK error into a {@link StorageError} naming the fix; other errors pass through. */
export function explainStorageError(
  error: unknown,
  container: ContainerClient,
  action: string,
): Error {
  const e = (error ?? {}) as RestErrorLike;
  const where = `container '${container.containerName}' of storage account '${container.accountName}'`;
  if (e.statusCode === 404 && e.code === 'ContainerNotFound') {
    return new StorageError(
      `The ${where} does not exist. Create it (az storage container create --name ${container.containerName} --account-name ${container.accountName} --auth-mode login) or fix containerName.`,
    );
  }
  if (e.statusCode === 403) {
    return new StorageError(
      `Access denied while ${action} in the ${where} (${e.code ?? 'HTTP 403'}). Grant the service connection's identity the 'Storage Blob Data Contributor' role on the storage account or the container; role assignments take a few minutes to apply.`,
    );
  }
  if (e.statusCode === 401) {
    return new StorageError(
      `The storage account rejected the credentials while ${action} (${e.code ?? 'HTTP 401'}). Check the service connection (or the connection string's key or SAS).`,
    );
  }
  if (error instanceof Error && /ENOTFOUND|getaddrinfo/.test(error.message)) {
    return new StorageError(
      `Storage account '${container.accountName}' could not be reached (${error.message}). Check storageAccount.`,
    );
  }
  if (error instanceof Error) {
    return new StorageError(
      `Failed while ${action} in the ${where}: ${error.message}`,
    );
  }
  return new StorageError(
    `Failed while ${action} in the ${where}: ${String(error)}`,
  );
}
