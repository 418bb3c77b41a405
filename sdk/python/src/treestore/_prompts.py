"""The prompt store: versioned templates with labels, rendering, usage records and their statistics,
and conversations with their messages.

A prompt is named by ``name`` (the planned client's ``prompt_id`` is accepted as its alias); a usage
record by ``name`` and ``version`` (``prompt_name``/``prompt_version`` are accepted too, and usage
records come back with both spellings).
"""

from typing import Any, Dict, Optional

from ._call import _Calls, dumps, first, json_arg, limit_arg, opt_arg, page_json, renamed, s_arg
from ._decode import take_page, take_records, take_string
from ._native import NULL, give, lib, raise_status
from .errors import ArgumentTypeError, InvalidArgumentError
from .timestamps import TimestampLike, to_micros
from .types import Conversation, Message, Page, PromptUsage, PromptVersion

__all__ = ["_Prompts"]

_U32_MAX = 2**32 - 1
_USAGE_ALIASES = (("name", "prompt_name"), ("prompt_id", "prompt_name"), ("version", "prompt_version"))


def _version_arg(version: Optional[int], name: str = "version") -> int:
    if version is None:
        return 0
    if isinstance(version, bool) or not isinstance(version, int):
        raise ArgumentTypeError(f"{name} must be int, not {type(version).__name__}")
    if not 1 <= version <= _U32_MAX:
        raise InvalidArgumentError(f"{name} is {version}; prompt versions start at 1")
    return version


def _usage(record: Dict[str, Any]) -> PromptUsage:
    record["name"] = record.get("prompt_name")
    record["version"] = record.get("prompt_version")
    return record  # type: ignore[return-value]


class _Prompts(_Calls):
    """Prompts and conversations (mixed into :class:`~treestore.TreeStore`)."""

    # -- templates ---------------------------------------------------------------------------------

    def store_prompt(self, prompt: Dict[str, Any]) -> PromptVersion:
        """Adds a version to a prompt: ``name`` (or ``prompt_id``) and ``template`` required
        (``{{variable}}`` placeholders); ``config``, ``commit_message``, ``created_by``, ``labels``
        to move to the new version. Returns the new version (numbered from 1)."""
        j = json_arg(renamed(prompt, "prompt", (("prompt_id", "name"),)), "prompt")
        return first(self._q(take_records, lib.treestore_prompt_create, j, len(j)))  # type: ignore[return-value]

    def get_prompt(self, name: str, version: Optional[int] = None, label: Optional[str] = None) -> PromptVersion:
        """A version of prompt ``name``: by ``version``, or ``label``, or the newest."""
        n = s_arg(name, "name")
        return first(  # type: ignore[return-value]
            self._q(take_records, lib.treestore_prompt_get, n, len(n), _version_arg(version), *opt_arg(label, "label"))
        )

    def list_prompt_versions(
        self, name: str, limit: int = 100, *, cursor: Optional[str] = None
    ) -> "Page[PromptVersion]":
        """The versions of prompt ``name``, newest first: a list whose ``next_cursor`` continues it."""
        n, j = s_arg(name, "name"), page_json(limit, cursor)
        return self._q(take_page, lib.treestore_prompt_list_versions, n, len(n), j, len(j))  # type: ignore

    def list_prompts(self, limit: int = 100, *, cursor: Optional[str] = None) -> "Page[Dict[str, Any]]":
        """Every prompt by name: ``{"name", "latest_version", "labels": [{"label", "version"}], ...}``;
        a list whose ``next_cursor`` continues it."""
        j = page_json(limit, cursor)
        return self._q(take_page, lib.treestore_prompt_list, j, len(j))

    def set_prompt_label(self, name: str, label: str, version: int) -> None:
        """Points ``label`` of prompt ``name`` at ``version`` (``latest`` cannot be set)."""
        n, lb = s_arg(name, "name"), s_arg(label, "label")
        if version is None:
            raise InvalidArgumentError("version is required")
        self._out("", lib.treestore_prompt_set_label, n, len(n), lb, len(lb), _version_arg(version))

    def remove_prompt_label(self, name: str, label: str) -> bool:
        """Removes ``label`` from prompt ``name``; returns whether it was set."""
        n, lb = s_arg(name, "name"), s_arg(label, "label")
        return bool(self._out("flag", lib.treestore_prompt_remove_label, n, len(n), lb, len(lb)))

    def render_prompt(
        self,
        name: str,
        variables: Optional[Dict[str, Any]] = None,
        version: Optional[int] = None,
        label: Optional[str] = None,
    ) -> str:
        """The picked version of ``name`` filled with ``variables``; returns the rendered string.
        A placeholder without a value raises :class:`InvalidArgumentError` naming it."""
        n = s_arg(name, "name")
        if variables is not None and not isinstance(variables, dict):
            raise ArgumentTypeError(f"variables must be a dict, not {type(variables).__name__}")
        j = None if variables is None else dumps(variables, "variables")
        return self._q(
            take_string, lib.treestore_prompt_render, n, len(n), _version_arg(version), *opt_arg(label, "label"),
            NULL if j is None else j, 0 if j is None else len(j),
        )  # fmt: skip

    def diff_prompts(self, name: str, from_version: int, to_version: int) -> Dict[str, Any]:
        """Compares two versions: ``lines`` (``{"op": equal|insert|delete, "text"}``),
        ``variables_added``, ``variables_removed``, ``from_config``, ``to_config``."""
        n = s_arg(name, "name")
        a, b = _version_arg(from_version, "from_version"), _version_arg(to_version, "to_version")
        return first(self._q(take_records, lib.treestore_prompt_diff, n, len(n), a, b))

    def delete_prompt(self, name: str) -> bool:
        """Deletes a prompt with its versions, labels, usage and statistics; returns whether it existed."""
        n = s_arg(name, "name")
        return bool(self._out("flag", lib.treestore_prompt_delete, n, len(n)))

    # -- usage -------------------------------------------------------------------------------------

    def record_prompt_usage(self, usage: Dict[str, Any]) -> PromptUsage:
        """Records one call of a prompt version: ``name`` required, ``version`` (absent: the newest),
        ``variables``, ``response``, ``latency_ms``, ``input_tokens``, ``output_tokens``, ``score``,
        ``case_id``, ``metadata``."""
        j = json_arg(renamed(usage, "usage", _USAGE_ALIASES), "usage")
        return _usage(first(self._q(take_records, lib.treestore_prompt_usage_record, j, len(j))))

    def score_prompt_usage(self, usage_id: str, score: Optional[float]) -> PromptUsage:
        """Sets (or, with None, clears) the score of a usage record."""
        u = s_arg(usage_id, "usage_id")
        h = self._h
        db, txn, s = h.begin()
        try:
            if score is None:
                ptr = NULL
            else:
                s.f64[0] = float(score)
                ptr = s.f64
            status = lib.treestore_prompt_usage_score(db, txn, u, len(u), ptr, s.result, s.err)
            if status:
                raise_status(status, s)
            return _usage(first(take_records(s.result[0], s)))
        finally:
            give(s)
            h.inflight.pop()

    def get_prompt_usage(self, usage_id: str) -> PromptUsage:
        """One usage record; :class:`NotFoundError` when absent."""
        u = s_arg(usage_id, "usage_id")
        return _usage(first(self._q(take_records, lib.treestore_prompt_usage_get, u, len(u))))

    def list_prompt_usage(
        self,
        name: Optional[str] = None,
        version: Optional[int] = None,
        *,
        case_id: Optional[str] = None,
        since: Optional[TimestampLike] = None,
        until: Optional[TimestampLike] = None,
        limit: int = 100,
        cursor: Optional[str] = None,
    ) -> "Page[PromptUsage]":
        """Usage records newest first, of a prompt (and version) or of a case: a list whose
        ``next_cursor`` continues it."""
        q = {
            "prompt_name": name, "prompt_version": None if version is None else _version_arg(version),
            "case_id": case_id, "since": None if since is None else to_micros(since),
            "until": None if until is None else to_micros(until), "limit": limit_arg(limit), "cursor": cursor,
        }  # fmt: skip
        j = dumps({k: v for k, v in q.items() if v is not None}, "query")
        page = self._q(take_page, lib.treestore_prompt_usage_list, j, len(j))
        return Page([_usage(r) for r in page], page.next_cursor)

    def delete_prompt_usage(self, usage_id: str) -> bool:
        """Deletes a usage record (and takes it out of the statistics); returns whether it existed."""
        u = s_arg(usage_id, "usage_id")
        return bool(self._out("flag", lib.treestore_prompt_usage_delete, u, len(u)))

    def get_prompt_stats(self, name: str, version: Optional[int] = None) -> Any:
        """The statistics of one version (a dict), or of every used version (a list) when ``version``
        is None: ``count``, ``mean_latency_ms``, ``mean_score``, token totals."""
        n = s_arg(name, "name")
        if version is None:
            return self._q(take_records, lib.treestore_prompt_stats_list, n, len(n))
        return first(self._q(take_records, lib.treestore_prompt_stats_get, n, len(n), _version_arg(version)))

    # -- conversations -----------------------------------------------------------------------------

    def create_conversation(self, conversation: Dict[str, Any]) -> Conversation:
        """Creates a conversation (``user_id`` required; ``id`` generated when absent; ``title``,
        ``tags``, ``metadata``). :class:`AlreadyExistsError` when the id is taken."""
        j = json_arg(conversation, "conversation")
        return first(self._q(take_records, lib.treestore_conversation_create, j, len(j)))  # type: ignore

    def update_conversation(self, conversation: Dict[str, Any]) -> Conversation:
        """Replaces the ``title``, ``tags`` and ``metadata`` of conversation ``id``."""
        j = json_arg(conversation, "conversation")
        return first(self._q(take_records, lib.treestore_conversation_update, j, len(j)))  # type: ignore

    def add_message(self, message: Dict[str, Any]) -> Message:
        """Adds a message (``conversation_id`` required; ``role`` system, user (default), assistant
        or tool; ``content``, ``metadata``)."""
        j = json_arg(message, "message")
        return first(self._q(take_records, lib.treestore_conversation_add_message, j, len(j)))  # type: ignore

    def get_conversation(self, conversation_id: str, *, messages: bool = False) -> Conversation:
        """A conversation; with ``messages``, its messages too (oldest first, under ``"messages"``)."""
        c = s_arg(conversation_id, "conversation_id")
        if not messages:
            return first(self._q(take_records, lib.treestore_conversation_get, c, len(c)))  # type: ignore
        r = first(self._q(take_records, lib.treestore_conversation_get_with_messages, c, len(c)))
        conv = r["conversation"][0]
        conv["messages"] = r["messages"]
        return conv  # type: ignore[no-any-return]

    def get_message(self, message_id: str) -> Message:
        """One message; :class:`NotFoundError` when absent."""
        m = s_arg(message_id, "message_id")
        return first(self._q(take_records, lib.treestore_conversation_get_message, m, len(m)))  # type: ignore

    def list_messages(
        self, conversation_id: str, limit: int = 100, *, cursor: Optional[str] = None
    ) -> "Page[Message]":
        """The messages of a conversation, oldest first: a list whose ``next_cursor`` continues it."""
        c, j = s_arg(conversation_id, "conversation_id"), page_json(limit, cursor)
        return self._q(take_page, lib.treestore_conversation_list_messages, c, len(c), j, len(j))  # type: ignore

    def list_conversations(
        self,
        user_id: Optional[str] = None,
        tag: Optional[str] = None,
        *,
        since: Optional[TimestampLike] = None,
        until: Optional[TimestampLike] = None,
        limit: int = 100,
        cursor: Optional[str] = None,
    ) -> "Page[Conversation]":
        """Conversations newest first, by user, tag and start time: a list whose ``next_cursor``
        continues it."""
        q = {
            "user_id": user_id, "tag": tag, "since": None if since is None else to_micros(since),
            "until": None if until is None else to_micros(until), "limit": limit_arg(limit), "cursor": cursor,
        }  # fmt: skip
        j = dumps({k: v for k, v in q.items() if v is not None}, "query")
        return self._q(take_page, lib.treestore_conversation_list, j, len(j))  # type: ignore

    def delete_conversation(self, conversation_id: str) -> bool:
        """Deletes a conversation with its messages; returns whether it existed."""
        c = s_arg(conversation_id, "conversation_id")
        return bool(self._out("flag", lib.treestore_conversation_delete, c, len(c)))
