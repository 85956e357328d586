"""Small objects under the storage root (reports, run summaries): file:// or a path, and s3://."""
import os
import tempfile
from pathlib import Path
from urllib.parse import urlparse


def object_uri(storage_root, key):
    return f"{storage_root.rstrip('/')}/{key}"


def write_object(storage_root, key, body):
    """Write text to {root}/{key}, replacing it whole (atomic on a local root); returns its URI."""
    uri = object_uri(storage_root, key)
    url = urlparse(uri)
    if url.scheme in ("s3", "s3a"):
        import boto3

        boto3.client("s3").put_object(Bucket=url.netloc, Key=url.path.lstrip("/"), Body=body.encode("utf-8"),
                                      ContentType="application/json")
        return uri
    path = Path(url.path if url.scheme == "file" else uri)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(body)
    os.replace(tmp, path)
    return uri
