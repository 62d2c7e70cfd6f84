/**
 * A stand-in for Electron's safeStorage with a real reversible cipher (AES-256-GCM from
 * node:crypto): what it writes really is ciphertext, and a different key cannot read it.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SafeStorageLike } from '../../../main/electron/safe-storage-vault';

type Backend = ReturnType<SafeStorageLike['getSelectedStorageBackend']>;

export class FakeSafeStorage implements SafeStorageLike {
  backend: Backend = 'gnome_libsecret';
  available = true;
  encryptCalls = 0;
  /** Makes encryptString throw (a keyring that locks mid-session). */
  failEncrypt = false;

  constructor(readonly key: Buffer = randomBytes(32)) {}

  getSelectedStorageBackend(): Backend {
    return this.backend;
  }

  isEncryptionAvailable(): boolean {
    return this.available;
  }

  encryptString(plainText: string): Buffer {
    this.encryptCalls++;
    if (this.failEncrypt) throw new Error('Error while encrypting the text provided to safeStorage.encryptString.');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plainText, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from('v11'), iv, cipher.getAuthTag(), body]);
  }

  decryptString(encrypted: Buffer): string {
    if (encrypted.subarray(0, 3).toString() !== 'v11') throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    const iv = encrypted.subarray(3, 15);
    const tag = encrypted.subarray(15, 31);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(encrypted.subarray(31)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    }
  }
}
