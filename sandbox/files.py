"""In-memory file storage of the sandbox: ids, paths and bytes."""

from __future__ import annotations

import logging
from typing import Any

from sandbox.models import StoredFile, bad_request
from sandbox.params import Upload

logger = logging.getLogger(__name__)

# Prefixes resembling real Telegram file_ids of each kind (cosmetic only).
_PREFIX = {
    "photo": "AgACAgIAAxkBAA",
    "document": "BQACAgIAAxkBAA",
    "video": "BAACAgIAAxkBAA",
    "voice": "AwACAgIAAxkBAA",
    "audio": "CQACAgIAAxkBAA",
    "sticker": "CAACAgIAAxkBAA",
    "animation": "CgACAgIAAxkBAA",
    "video_note": "DQACAgIAAxkBAA",
}
_FOLDER = {"photo": "photos", "voice": "voice", "sticker": "stickers", "video_note": "video_notes"}
_EXT = {
    "photo": "jpg",
    "voice": "oga",
    "video": "mp4",
    "audio": "mp3",
    "sticker": "webp",
    "animation": "mp4",
    "video_note": "mp4",
}


class FileStore:
    """Files by file_id and by file_path, with deterministic generated identifiers."""

    def __init__(self) -> None:
        self._counter = 0
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._photo_sizes: dict[str, list[dict[str, Any]]] = {}

    def add(
        self,
        data: bytes,
        kind: str = "document",
        *,
        mime_type: str | None = None,
        file_name: str | None = None,
    ) -> StoredFile:
        """Store bytes and return the new file record."""
        self._counter += 1
        n = self._counter
        ext = _EXT.get(kind)
        if ext is None and file_name and "." in file_name:
            ext = file_name.rsplit(".", 1)[1]
        folder = _FOLDER.get(kind, f"{kind}s")
        stored = StoredFile(
            file_id=f"{_PREFIX.get(kind, 'BQACAgIAAxkBAA')}{n:06d}sandbox",
            file_unique_id=f"AQAD{n:06d}sbx",
            data=data,
            file_path=f"{folder}/file_{n}.{ext or 'bin'}",
            mime_type=mime_type,
            file_name=file_name,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        """Return the file with this file_id, if any."""
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        """Return the file served under this file_path, if any."""
        return self._by_path.get(file_path)

    def add_photo(self, data: bytes) -> list[dict[str, Any]]:
        """Store a photo as Telegram does (a thumbnail and a full size) and return PhotoSizes."""
        sizes: list[dict[str, Any]] = []
        for width, height in ((90, 68), (1280, 960)):
            stored = self.add(data, "photo", mime_type="image/jpeg")
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_size": len(data),
                    "width": width,
                    "height": height,
                }
            )
        for size in sizes:
            self._photo_sizes[size["file_id"]] = sizes
        return sizes

    def photo_sizes(self, file_id: str) -> list[dict[str, Any]]:
        """Return the PhotoSize list a known photo file_id belongs to."""
        sizes = self._photo_sizes.get(file_id)
        if sizes is not None:
            return sizes
        stored = self.get(file_id)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.data),
                "width": 1280,
                "height": 960,
            }
        ]

    def resolve(
        self, value: Any, field: str, uploads: dict[str, Upload], kind: str
    ) -> tuple[StoredFile | None, list[dict[str, Any]] | None]:
        """Turn an InputFile parameter (upload, attach://, file_id or URL) into a stored file.

        Returns (file, photo sizes) where exactly one is set for photos, the file otherwise.
        """
        upload: Upload | None = None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f"wrong file identifier/HTTP URL specified ({value})")
        elif value is None or isinstance(value, Upload):
            upload = value if isinstance(value, Upload) else uploads.get(field)
            if upload is None:
                raise bad_request(f"there is no {kind} in the request")
        if upload is not None:
            if kind == "photo":
                return None, self.add_photo(upload.data)
            return self.add(
                upload.data, kind, mime_type=upload.content_type, file_name=upload.filename
            ), None
        if not isinstance(value, str) or not value:
            raise bad_request(f"there is no {kind} in the request")
        if value.startswith(("http://", "https://")):
            name = value.rsplit("/", 1)[-1] or None
            if kind == "photo":
                return None, self.add_photo(b"")
            return self.add(b"", kind, file_name=name), None
        if self.get(value) is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if kind == "photo":
            return None, self.photo_sizes(value)
        return self.get(value), None
