"""SHA-1 for the small things a command hashes (a record's git objects, the small split index, the settings'
digest) without importing `hashlib`, whose OpenSSL start-up costs about 3 ms of every command (issue 21).
CPython's own `_sha1` is that fast only for small inputs (about 5× slower than OpenSSL on megabytes), so a large
input goes to hashlib."""
try:
    from _sha1 import sha1 as _builtin_sha1
except ImportError:  # an interpreter built without it
    _builtin_sha1 = None

SMALL = 256 * 1024


def sha1(data: bytes | bytearray = b""):
    """A SHA-1 hash object of `data` (`hashlib.sha1`'s interface: update, digest, hexdigest)."""
    if _builtin_sha1 is not None and len(data) <= SMALL:
        return _builtin_sha1(data)
    import hashlib

    return hashlib.sha1(data)
