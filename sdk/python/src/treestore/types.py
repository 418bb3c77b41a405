"""The shapes of what TreeStore returns, as TypedDicts (plain dicts at run time).

Datetimes are timezone-aware UTC :class:`~datetime.datetime`. Records may carry more keys than listed
here when the engine adds fields; the keys listed are always present.
"""

import sys
from datetime import datetime
from typing import Any, Dict, Iterable, List, Optional, TypeVar

if sys.version_info >= (3, 8):
    from typing import TypedDict
else:  # pragma: no cover
    from typing_extensions import TypedDict

__all__ = [
    "Node", "Version", "Document", "Structure", "StoreResult", "SearchHit", "VersionDiff", "NodeChange",
    "ToolResult", "Trajectory", "TrajectoryStep", "CrossReference", "Contradiction", "MetadataEntry",
    "PromptVersion", "PromptUsage", "PromptStats", "Conversation", "Message", "RelatedNode",
    "EnrichedNode", "UnifiedHit", "UnifiedSearchPage", "Health", "Stats", "BackupReport", "IntegrityReport",
    "Page",
]  # fmt: skip

_T = TypeVar("_T")


class Page(List[_T]):
    """One page of a list call: a plain ``list`` of the items, plus :attr:`next_cursor`.

    Pass ``next_cursor`` as the ``cursor`` argument of the same call for the next page; it is None on
    the last page."""

    next_cursor: Optional[str]

    def __init__(self, items: Iterable[_T] = (), next_cursor: Optional[str] = None) -> None:
        super().__init__(items)
        self.next_cursor = next_cursor

    def __repr__(self) -> str:
        return f"Page({list.__repr__(self)}, next_cursor={self.next_cursor!r})"


class Node(TypedDict):
    """One section of a document version."""

    node_id: str
    policy_id: str
    version_id: str
    parent_id: Optional[str]  #: None at the root
    title: str
    page_start: Optional[int]
    page_end: Optional[int]
    summary: Optional[str]
    text: Optional[str]  #: None when the node has none or the query skipped texts
    section_path: str  #: dotted ordinal path, "" at the root
    child_ids: List[str]
    depth: int
    created_at: datetime
    updated_at: datetime
    see_also: List[str]
    metadata: Dict[str, str]


class Version(TypedDict):
    """One version of a document (its header)."""

    policy_id: str
    version_id: str
    created_at: datetime
    created_by: str
    description: str
    tags: List[str]
    effective_start: Optional[datetime]
    effective_end: Optional[datetime]
    updated_at: datetime
    pageindex_doc_id: Optional[str]
    root_node_id: str
    metadata: Dict[str, str]


class Document(TypedDict):
    """A whole version: its header and every node with text, in pre-order."""

    document: Version
    nodes: List[Node]


class Structure(TypedDict):
    """One page of a version's table of contents (nodes without text)."""

    document: Version
    nodes: List[Node]
    total: int
    next_cursor: Optional[str]


class StoreResult(TypedDict, total=False):
    """What ``store_document`` and ``delete_document`` return."""

    success: bool
    message: str
    policy_id: str
    version_id: str
    node_count: int
    version: Version
    deleted_versions: int


class SearchHit(TypedDict):
    """One search hit, best first."""

    node: Node
    score: float
    snippet: Optional[str]  #: matches wrapped in <b>..</b>
    matched_terms: List[str]
    policy_id: str
    version_id: str
    node_id: str


class NodeChange(TypedDict):
    """A node of a diff; ``fields`` names what changed (empty when added or removed)."""

    node_id: str
    title: str
    section_path: str
    fields: List[str]


class VersionDiff(TypedDict):
    """Two versions compared node by node."""

    policy_id: str
    from_version: str
    to_version: str
    added: List[NodeChange]
    removed: List[NodeChange]
    changed: List[NodeChange]


class ToolResult(TypedDict):
    """A recorded tool call."""

    execution_id: str
    tool_name: str
    policy_id: Optional[str]
    node_id: Optional[str]
    case_id: Optional[str]
    result_data: Any  #: the JSON value, parsed
    success: bool
    error_message: Optional[str]
    executed_at: datetime
    duration_ms: int


class TrajectoryStep(TypedDict):
    """One step of a trajectory."""

    step_number: int
    tool_name: Optional[str]
    action: str
    observation: str
    thought: str
    timestamp: datetime


class Trajectory(TypedDict):
    """An agent's run on a case."""

    trajectory_id: str
    case_id: str
    steps: List[TrajectoryStep]
    started_at: datetime
    completed_at: Optional[datetime]


class CrossReference(TypedDict):
    """A link from one policy (node) to another."""

    source_policy_id: str
    source_node_id: Optional[str]
    target_policy_id: str
    target_node_id: Optional[str]
    reference_type: str  #: cites, contradicts, supports, see_also
    context: Optional[str]
    created_at: datetime


class Contradiction(TypedDict, total=False):
    """A contradiction found between two policies (nodes)."""

    contradiction_id: str
    policy_a: str
    node_a: Optional[str]
    policy_b: str
    node_b: Optional[str]
    description: str
    severity: str  #: low, medium, high
    status: str  #: open, acknowledged, resolved, dismissed
    resolution: Optional[str]
    detected_at: datetime


class MetadataEntry(TypedDict):
    """A key set on an entity; ``value`` is the stored text, ``value_type`` how to read it."""

    entity_type: str
    entity_id: str
    key: str
    value: str
    value_type: str
    created_at: datetime
    updated_at: datetime


class PromptVersion(TypedDict):
    """One immutable version of a prompt template."""

    name: str
    version: int
    template: str
    variables: List[str]
    config: Any
    commit_message: Optional[str]
    created_by: Optional[str]
    labels: List[str]
    created_at: datetime


class PromptUsage(TypedDict, total=False):
    """One recorded call of a prompt version (``name``/``version`` mirror ``prompt_name``/``prompt_version``)."""

    usage_id: str
    name: str
    version: int
    prompt_name: str
    prompt_version: int
    variables: Dict[str, str]
    response: str
    latency_ms: int
    input_tokens: int
    output_tokens: int
    score: Optional[float]
    case_id: Optional[str]
    metadata: Dict[str, str]
    created_at: datetime


class PromptStats(TypedDict):
    """Usage statistics of one prompt version."""

    prompt_name: str
    prompt_version: int
    count: int
    mean_latency_ms: float
    scored_count: int
    mean_score: Optional[float]
    total_input_tokens: int
    total_output_tokens: int


class Conversation(TypedDict, total=False):
    """A conversation (``messages`` only from ``get_conversation(..., messages=True)``)."""

    id: str
    user_id: str
    title: str
    tags: List[str]
    metadata: Dict[str, str]
    created_at: datetime
    updated_at: datetime
    message_count: int
    messages: List["Message"]


class Message(TypedDict):
    """One message of a conversation."""

    id: str
    conversation_id: str
    role: str
    content: str
    metadata: Dict[str, str]
    created_at: datetime


class RelatedNode(TypedDict, total=False):
    """A node related to a criterion, with why (``reason``: cross_reference, keyword, sibling, see_also)."""

    node: Node
    reason: str
    reference_type: str
    score: float
    hit_node_id: str


class EnrichedNode(TypedDict):
    """A node with its version, metadata and cross-references."""

    node: Node
    version: Version
    metadata: List[MetadataEntry]
    cross_references: List[CrossReference]
    #: None, or the cursor of the next page of ``get_cross_references`` in both directions
    cross_references_cursor: Optional[str]


class UnifiedHit(TypedDict):
    """One hit of ``search_unified``, best first. ``kind`` is ``node``, ``tool_result``, ``prompt`` or
    ``trajectory_step``; the ids of its kind are set, the others None."""

    kind: str
    id: str  #: "policy/version/node", the execution id, "name:version" or "trajectory_id:step"
    score: float  #: BM25 over the best score its kind could reach, in [0, 1): comparable across kinds
    bm25: float  #: the BM25 score within its kind
    matched_terms: List[str]
    snippet: Optional[str]  #: matches wrapped in <b>..</b>
    policy_id: Optional[str]
    version_id: Optional[str]
    node_id: Optional[str]
    execution_id: Optional[str]
    prompt_name: Optional[str]
    prompt_version: Optional[int]
    trajectory_id: Optional[str]
    step_number: Optional[int]


class UnifiedSearchPage(TypedDict):
    """One page of ``search_unified``: ``next_cursor`` continues it (None at the end)."""

    hits: List[UnifiedHit]
    next_cursor: Optional[str]


class Health(TypedDict, total=False):
    """``health()``: open and writable, version, uptime, last checkpoint's age."""

    healthy: bool
    version: str
    uptime_seconds: float
    read_only: bool
    poisoned: bool
    last_checkpoint_age_seconds: Optional[float]
    wal_bytes: int
    live_readers: int


class Stats(TypedDict, total=False):
    """``stats()``: the planned client's counts plus the engine's statistics under ``engine``."""

    total_documents: int
    total_nodes: int
    total_versions: int
    db_size_bytes: int
    operation_counts: Dict[str, int]
    engine: Dict[str, Optional[int]]


class BackupReport(TypedDict):
    """What a backup wrote."""

    tables: int
    entries: int
    txid: int
    file_bytes: int


class IntegrityReport(TypedDict):
    """``check_integrity()``: ``ok`` and the problems found."""

    ok: bool
    errors: List[str]
