"""The web archive: the HTTP exchange of every new version, removal and restoration kept as
WARC/1.1 records (warcio, one gzip member each) in rotating files, a hash chain per
article, `verify`, and WACZ / WARC exports.

    records   the WARC records of one exchange (response, revisit, request, metadata)
    files     the archive folder: one file per process, fsynced appends, rotation
    writer    ArchiveWriter.capture (records built before the save) and Capture.write
    chain     the digests: of a stored record, of a payload, of a chain entry
    scan      the gzip members of a file; a torn tail found and skipped
    verify    re-reading the archive and the rows: every digest and link
    cdxj      the CDXJ index of an export (SURT keys)
    export    what an export holds: entries copied, older versions reconstructed
    wacz      the WACZ 1.1 package (or the bare WARC)
"""

from worker.archive.writer import ArchiveWriter, Capture

__all__ = ["ArchiveWriter", "Capture"]
