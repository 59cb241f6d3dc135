/**
 * File-system errors in words. Node's messages (`ENOENT: no such file or directory, open '/x/.e.csv.3f2a.part'`)
 * lead with a code and end with the syscall and a path the user may never have named (a temporary
 * file); messages that name the file themselves want only the reason, as a phrase.
 */

/** The reason for the common errno codes, worded for a sentence "Cannot read x: <reason>." */
const ERRNO_WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a part of the path is a file, not a folder',
  ELOOP: 'too many levels of symbolic links (a link loop?)',
  EMFILE: 'too many open files in this process',
  ENFILE: 'too many open files on this system',
  ENOSPC: 'no space left on the disk',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EEXIST: 'it already exists',
  ENAMETOOLONG: 'the name is too long',
  ENOTEMPTY: 'the folder is not empty',
  EBUSY: 'it is busy (in use by another program)',
  ETXTBSY: 'it is busy (in use by another program)',
  EIO: 'an input/output error (a failing disk or a lost network drive?)',
  EXDEV: 'it is on another disk',
  EAGAIN: 'it is temporarily unavailable; try again',
  ETIMEDOUT: 'the operation timed out',
  EPIPE: 'the reader went away (broken pipe)',
};

/**
 * Why a file operation failed, as a phrase: words for the common errno codes, else Node's own
 * description without its code, syscall and path; the message of any other error.
 */
export function errorReason(error: unknown): string {
  const e = error as NodeJS.ErrnoException | null | undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code && ERRNO_WORDS[code]) return ERRNO_WORDS[code];
  const message = e instanceof Error ? e.message : String(error);
  if (code) {
    // "EXYZ: some description, syscall '/path'" → "some description"
    const described = /^[A-Z0-9_]+: (.*?)(?:, \w+(?: '[^']*')*)?$/.exec(message);
    if (described?.[1]) return described[1];
  }
  return message;
}

/** "Cannot read nope.png: no such file or directory." */
export function cannot(action: string, what: string, error: unknown): string {
  const reason = errorReason(error).replace(/[.\s]+$/, '');
  return `Cannot ${action} ${what}: ${reason}.`;
}
