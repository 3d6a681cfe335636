"""The embedded broker (kombu's filesystem transport) with whole messages only.

kombu writes a message by creating its file and then writing into it; a worker polling
the folder can take the file in between and read it empty, and then dies on the JSON
(`JSONDecodeError`, "Unrecoverable error"). Here a message is written under a name the
workers ignore and renamed into place once complete: a rename within one folder is
atomic, so a worker sees no file or a whole one. Redis, the production broker, is not
affected.
"""

import os
import uuid
from time import monotonic

from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs) -> None:
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + ".partial"  # not "<queue>.msg": workers pass it over
        try:
            with open(partial, "wb") as message:
                message.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise filesystem.ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel

    @property
    def default_connection_params(self) -> dict:
        # A folder has no host, yet kombu's virtual transports name "localhost" as the
        # default one: every connection made from `filesystem://` (kombu's own documented
        # form) then logs "No hostname was supplied", i.e. at each new publishing
        # connection. With no default host there is nothing to revert to or warn about.
        return {}


def install() -> None:
    """`filesystem://` URLs use this transport from now on, in this process."""
    TRANSPORT_ALIASES["filesystem"] = f"{__name__}:Transport"
