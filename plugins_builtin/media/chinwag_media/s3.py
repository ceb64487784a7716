"""The ``s3`` storage driver: Amazon S3 and S3-compatible stores (MinIO, SeaweedFS, Ceph,
Google Cloud Storage through its interoperable endpoint ``https://storage.googleapis.com``).

Configured from ``CHINWAG_STORAGE_*`` variables (lower-cased here): ``bucket`` (required),
``prefix``, ``region``, ``endpoint_url``, ``access_key_id``, ``secret_access_key``,
``session_token``, ``addressing_style`` (``path`` by default, which every compatible store
understands). Requests are signed with Signature Version 4. Objects stay private; readers get
short-lived presigned URLs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any
from urllib.parse import quote

from chinwag_plugin_api import StorageDriver, StorageError

# boto3 and botocore are imported by ``configure`` (a few hundred milliseconds): every server,
# worker and CLI process loads this driver's entry point, and only one configured for s3 uses
# it. Each method that catches their errors runs after ``configure``, when the import is free.


class S3Storage(StorageDriver):
    """Media in an S3 bucket under an optional key prefix."""

    def __init__(self) -> None:
        self.bucket = ""
        self.prefix = ""
        self.client: Any = None

    def configure(self, options: Mapping[str, Any]) -> None:
        self.bucket = str(options.get("bucket") or "")
        if not self.bucket:
            raise StorageError("CHINWAG_STORAGE_BUCKET is required for s3 storage", "config", 500)
        prefix = str(options.get("prefix") or "").strip("/")
        self.prefix = f"{prefix}/" if prefix else ""
        import boto3
        from botocore.config import Config

        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": options.get("addressing_style") or "path"},
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=60,
        )
        self.client = boto3.session.Session().client(
            "s3",
            region_name=options.get("region") or "us-east-1",
            endpoint_url=options.get("endpoint_url") or None,
            aws_access_key_id=options.get("access_key_id") or None,
            aws_secret_access_key=options.get("secret_access_key") or None,
            aws_session_token=options.get("session_token") or None,
            config=config,
        )

    def _key(self, key: str) -> str:
        if not key or key.startswith("/") or ".." in key.split("/"):
            raise StorageError(f"invalid storage key {key!r}", "invalid_key", 400)
        return self.prefix + key

    def save(self, key: str, stream: IO[bytes], content_type: str) -> int:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.upload_fileobj(
                stream, self.bucket, self._key(key), ExtraArgs={"ContentType": content_type}
            )
            head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"could not store {key!r}: {_reason(exc)}") from None
        return int(head["ContentLength"])

    def open(self, key: str) -> IO[bytes]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if _reason(exc) in ("NoSuchKey", "404"):
                raise StorageError(f"no object {key!r}", "not_found", 404) from None
            raise StorageError(f"could not read {key!r}: {_reason(exc)}") from None
        except BotoCoreError as exc:
            raise StorageError(f"could not read {key!r}: {exc}") from None
        body: IO[bytes] = obj["Body"]
        return body

    def delete(self, key: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if _reason(exc) not in ("NoSuchKey", "404"):
                raise StorageError(f"could not delete {key!r}: {_reason(exc)}") from None
        except BotoCoreError as exc:
            raise StorageError(f"could not delete {key!r}: {exc}") from None

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if _reason(exc) in ("NoSuchKey", "404", "NotFound"):
                return False
            raise StorageError(f"could not check {key!r}: {_reason(exc)}") from None
        return True

    def signed_url(self, key: str, expires_in: int, filename: str, inline: bool) -> str | None:
        disposition = "inline" if inline else "attachment"
        params = {
            "Bucket": self.bucket,
            "Key": self._key(key),
            "ResponseContentDisposition": f"{disposition}; filename*=UTF-8''{quote(filename)}",
        }
        url: str = self.client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=expires_in
        )
        return url

    def presigned_post(
        self, key: str, content_type: str, max_size: int, expires_in: int
    ) -> dict[str, Any]:
        """A browser form upload straight to the bucket, limited by the policy to ``max_size``
        bytes and exactly ``content_type``; the store enforces both, Chinwag checks the bytes
        afterwards like any upload."""
        post: dict[str, Any] = self.client.generate_presigned_post(
            Bucket=self.bucket,
            Key=self._key(key),
            Fields={"Content-Type": content_type},
            Conditions=[
                {"Content-Type": content_type},
                ["content-length-range", 1, max_size],
            ],
            ExpiresIn=expires_in,
        )
        return post


def _reason(exc: BaseException) -> str:
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "error"))
    return type(exc).__name__
