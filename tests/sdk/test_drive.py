"""The drive shapes the folder sync codes against: registered as a capability family, an
item named by its path inside the linked folder, and routing that needs every method."""

from __future__ import annotations

from connectors.sdk import Drive, DriveChanges, DriveFolder, DriveItem
from connectors.sdk.capabilities import CAPABILITIES, missing_methods, provides


class Partial:
    async def find_folder(self, path: str) -> DriveFolder:
        return DriveFolder(id="root", path=path, name=path.rsplit("/", 1)[-1])

    async def changes(self, folder: DriveFolder, cursor: str | None = None) -> DriveChanges:
        return DriveChanges(cursor="c1", reset=cursor is None)


def test_drive_is_a_capability_needing_every_method() -> None:
    assert "Drive" in CAPABILITIES
    assert not provides(Partial(), Drive)
    assert set(missing_methods(Partial, "Drive")) == {
        "download",
        "upload",
        "create_folder",
        "move",
        "delete",
    }


def test_an_item_is_named_by_its_path_in_the_linked_folder() -> None:
    item = DriveItem(id="01ABC", path="guides/setup.md", etag='"{v1},2"', size=12)
    assert item.name == "setup.md" and not item.folder and not item.deleted
    doc = DriveItem(id="1x", path="Design", export_formats=("text/markdown", "application/pdf"))
    assert doc.name == "Design" and doc.export_formats[0] == "text/markdown"
    round_trip = DriveChanges.model_validate_json(
        DriveChanges(items=(item, doc), cursor="delta-2").model_dump_json()
    )
    assert round_trip.items == (item, doc) and round_trip.cursor == "delta-2"
