import type { MethodInfo } from '../../src-main/contract';

/** A fresh copy of the core's method catalogue (`methods.list`). */
export function coreCatalogue(): MethodInfo[];
