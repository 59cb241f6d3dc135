/** The generative and masked-modelling methods, registered together in index.ts. */
import { autoencoder } from './autoencoder';
import { mim } from './mim';
import type { SslMethod } from './types';
import { vae } from './vae';

export const GENERATIVE_METHODS: readonly SslMethod[] = [autoencoder, vae, mim];
