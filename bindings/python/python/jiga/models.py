"""The store's models, generated from the server's OpenAPI document by
``scripts/gen_models.py``. Do not edit.

Every model is a class with attributes (snake_case), a ``repr`` and equality; money is
``int`` (DOF); timestamps are RFC 3339 strings; enumerations are strings. Unknown members
of a newer server are ignored. Their base is ``_model.py``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from ._model import Model, Page, _list, _opt, _page, _same

__all__ = ["Model", "Page", "Achievement", "Achievements", "Agent", "AnonymousLoginRequest", "AuthResponse", "Categories", "CommandAccepted", "CommandRequest", "CreateAgentRequest", "CreateReviewRequest", "EndSessionResponse", "ErrorBody", "ErrorDetail", "ErrorDetails", "Facets", "Featured", "GameCount", "HireRequest", "HireResponse", "LedgerEntry", "Listing", "ListingWithReviews", "LoginRequest", "User", "Me", "OwnerSummary", "PartialListing", "Pricing", "RefreshRequest", "RegisterRequest", "Review", "SearchResults", "SelectedFeatured", "SelectedResults", "Session", "SetWebhookRequest", "Settlement", "StreamTicket", "Topup", "TopupRequest", "Transaction", "TypeCount", "UpdateAgentRequest", "UpdateMeRequest", "Wallet", "Webhook", "WebhookSecret"]


class Achievement(Model):
    """One unlocked achievement."""
    __slots__ = ('description', 'id', 'name', 'unlocked_at', )
    description: str
    id: str
    name: str
    unlocked_at: str


class Achievements(Model):
    """`GET /v1/users/me/achievements`: the caller's unlocked achievements, oldest first."""
    __slots__ = ('items', )
    items: List[Achievement]


class Agent(Model):
    """An agent, as its owner sees it."""
    __slots__ = ('actions_per_second', 'created_at', 'description', 'games', 'has_commentator', 'has_voice_chat', 'id', 'image_url', 'name', 'nationality', 'owner_id', 'pricing', 'provider', 'rank', 'specializations', 'status', 'tags', 'type', 'updated_at', 'version', )
    actions_per_second: int
    created_at: str
    description: str
    games: List[str]
    has_commentator: bool
    has_voice_chat: bool
    id: str
    image_url: Optional[str]
    name: str
    nationality: Optional[str]
    owner_id: str
    pricing: Pricing
    provider: str
    rank: str
    specializations: List[str]
    status: str
    tags: List[str]
    type: str
    updated_at: str
    version: int


class AnonymousLoginRequest(Model):
    """`POST /v1/auth/anonymous`: device sign-in, creating the user on first use."""
    __slots__ = ('device_id', )
    device_id: str


class AuthResponse(Model):
    """What every sign-in route answers."""
    __slots__ = ('access_token', 'expires_in', 'refresh_token', 'user', )
    access_token: str
    expires_in: int
    refresh_token: str
    user: User


class Categories(Model):
    """`GET /v1/marketplace/categories`."""
    __slots__ = ('games', 'types', )
    games: List[GameCount]
    types: List[TypeCount]


class CommandAccepted(Model):
    """The 202 answer of `POST /v1/sessions/{id}/commands`."""
    __slots__ = ('command_id', )
    command_id: str


class CommandRequest(Model):
    """`POST /v1/sessions/{id}/commands`."""
    __slots__ = ('command_id', 'data', )
    command_id: str
    data: Optional[Dict[str, Any]]


class CreateAgentRequest(Model):
    """`POST /v1/agents`."""
    __slots__ = ('actions_per_second', 'description', 'games', 'has_commentator', 'has_voice_chat', 'image_url', 'name', 'nationality', 'pricing', 'provider', 'rank', 'specializations', 'tags', 'type', )
    actions_per_second: Optional[int]
    description: Optional[str]
    games: Optional[List[str]]
    has_commentator: Optional[bool]
    has_voice_chat: Optional[bool]
    image_url: Optional[str]
    name: str
    nationality: Optional[str]
    pricing: Pricing
    provider: str
    rank: str
    specializations: Optional[List[str]]
    tags: Optional[List[str]]
    type: str


class CreateReviewRequest(Model):
    """`POST /v1/agents/{id}/reviews`."""
    __slots__ = ('rating', 'session_id', 'text', )
    rating: int
    session_id: str
    text: Optional[str]


class EndSessionResponse(Model):
    """The answer of `POST /v1/sessions/{id}/end`."""
    __slots__ = ('session', 'settlement', )
    session: Session
    settlement: Settlement


class ErrorBody(Model):
    """The body of every non-2xx response: `{"error": {code, message, requestId, details?}}`."""
    __slots__ = ('error', )
    error: ErrorDetail


class ErrorDetail(Model):
    """What went wrong, in the error body."""
    __slots__ = ('code', 'details', 'message', 'request_id', )
    code: str
    details: Optional[ErrorDetails]
    message: str
    request_id: str


class ErrorDetails(Model):
    """The `details` of an error body: which member is set depends on the code."""
    __slots__ = ('available', 'field', 'limit', 'needed', 'retry_after', )
    available: Optional[int]
    field: Optional[str]
    limit: Optional[int]
    needed: Optional[int]
    retry_after: Optional[int]


class Facets(Model):
    """Facet counts: for each facet, the number of listings per value, computed with every filter
applied except the facet's own."""
    __slots__ = ('game', 'has_commentator', 'has_voice_chat', 'provider', 'rank', 'type', )
    game: Dict[str, int]
    has_commentator: Dict[str, int]
    has_voice_chat: Dict[str, int]
    provider: Dict[str, int]
    rank: Dict[str, int]
    type: Dict[str, int]


class Featured(Model):
    """`GET /v1/marketplace/featured`."""
    __slots__ = ('items', )
    items: List[Listing]


class GameCount(Model):
    """A game and how many published agents play it."""
    __slots__ = ('count', 'game', )
    count: int
    game: str


class HireRequest(Model):
    """`POST /v1/hires`."""
    __slots__ = ('agent_id', 'budget', 'expected_pricing', 'game', 'max_minutes', )
    agent_id: str
    budget: int
    expected_pricing: Optional[Pricing]
    game: str
    max_minutes: Optional[int]


class HireResponse(Model):
    """The answer of `POST /v1/hires`."""
    __slots__ = ('session', 'stream_path', )
    session: Session
    stream_path: str


class LedgerEntry(Model):
    """One leg of a double-entry transaction."""
    __slots__ = ('account', 'amount', )
    account: str
    amount: int


class Listing(Agent):
    """A published agent as the marketplace shows it: everything a card needs in one object."""
    __slots__ = ('owner', 'popularity', 'rating', 'review_count', 'success_rate', 'total_hires', )
    owner: OwnerSummary
    popularity: float
    rating: float
    review_count: int
    success_rate: float
    total_hires: int


class ListingWithReviews(Listing):
    """`GET /v1/marketplace/listings/{agentId}?expand=reviews`: the whole listing and its 10
newest reviews."""
    __slots__ = ('reviews', )
    reviews: List[Review]


class LoginRequest(Model):
    """`POST /v1/auth/login`."""
    __slots__ = ('email', 'password', )
    email: str
    password: str


class User(Model):
    """A user as the contract shows it."""
    __slots__ = ('created_at', 'display_name', 'email', 'id', )
    created_at: str
    display_name: str
    email: Optional[str]
    id: str


class Me(User):
    """`GET /v1/users/me`: the user plus their preferences."""
    __slots__ = ('preferences', )
    preferences: Dict[str, Any]


class OwnerSummary(Model):
    """The owner shown on a listing."""
    __slots__ = ('display_name', 'id', )
    display_name: str
    id: str


class PartialListing(Model):
    """A listing with some of its fields (`fields=`): every member but `id` may be absent. A
selected field whose value is null (`imageUrl`, `nationality`) is `None` too."""
    __slots__ = ('actions_per_second', 'created_at', 'description', 'games', 'has_commentator', 'has_voice_chat', 'id', 'image_url', 'name', 'nationality', 'owner', 'owner_id', 'popularity', 'pricing', 'provider', 'rank', 'rating', 'review_count', 'reviews', 'specializations', 'status', 'success_rate', 'tags', 'total_hires', 'type', 'updated_at', 'version', )
    actions_per_second: Optional[int]
    created_at: Optional[str]
    description: Optional[str]
    games: Optional[List[str]]
    has_commentator: Optional[bool]
    has_voice_chat: Optional[bool]
    id: str
    image_url: Optional[str]
    name: Optional[str]
    nationality: Optional[str]
    owner: Optional[OwnerSummary]
    owner_id: Optional[str]
    popularity: Optional[float]
    pricing: Optional[Pricing]
    provider: Optional[str]
    rank: Optional[str]
    rating: Optional[float]
    review_count: Optional[int]
    reviews: Optional[List[Review]]
    specializations: Optional[List[str]]
    status: Optional[str]
    success_rate: Optional[float]
    tags: Optional[List[str]]
    total_hires: Optional[int]
    type: Optional[str]
    updated_at: Optional[str]
    version: Optional[int]


class Pricing(Model):
    """What an agent costs: per started minute and per action, in DOF."""
    __slots__ = ('per_action', 'per_minute', )
    per_action: int
    per_minute: int


class RefreshRequest(Model):
    """`POST /v1/auth/refresh`."""
    __slots__ = ('refresh_token', )
    refresh_token: str


class RegisterRequest(Model):
    """`POST /v1/auth/register`."""
    __slots__ = ('display_name', 'email', 'password', )
    display_name: str
    email: str
    password: str


class Review(Model):
    """A review of an agent, written by the hirer of one ended session."""
    __slots__ = ('agent_id', 'author', 'created_at', 'id', 'rating', 'session_id', 'text', )
    agent_id: str
    author: OwnerSummary
    created_at: str
    id: str
    rating: int
    session_id: str
    text: str


class SearchResults(Model):
    """The answer of `GET /v1/marketplace/search`."""
    __slots__ = ('facets', 'items', 'next_cursor', 'total', )
    facets: Facets
    items: List[Listing]
    next_cursor: Optional[str]
    total: int


class SelectedFeatured(Model):
    """The answer of `GET /v1/marketplace/featured?fields=…`."""
    __slots__ = ('items', )
    items: List[PartialListing]


class SelectedResults(Model):
    """The answer of `GET /v1/marketplace/search?fields=…`."""
    __slots__ = ('facets', 'items', 'next_cursor', 'total', )
    facets: Facets
    items: List[PartialListing]
    next_cursor: Optional[str]
    total: int


class Session(Model):
    """A hired session of an agent."""
    __slots__ = ('agent_id', 'budget', 'consumed', 'end_reason', 'ended_at', 'expires_at', 'game', 'hirer_id', 'id', 'last_seq', 'owner_id', 'remaining', 'started_at', 'status', )
    agent_id: str
    budget: int
    consumed: int
    end_reason: Optional[str]
    ended_at: Optional[str]
    expires_at: str
    game: str
    hirer_id: str
    id: str
    last_seq: int
    owner_id: str
    remaining: int
    started_at: str
    status: str


class SetWebhookRequest(Model):
    """`PUT /v1/users/me/webhook` (v1.2): where the caller's notifications are POSTed."""
    __slots__ = ('url', )
    url: str


class Settlement(Model):
    """How an ended session's consumed DOF was split."""
    __slots__ = ('consumed', 'owner_earnings', 'platform_fee', 'released', )
    consumed: int
    owner_earnings: int
    platform_fee: int
    released: int


class StreamTicket(Model):
    """`POST /v1/sessions/{id}/stream-tickets`: a single-use stream credential for browsers."""
    __slots__ = ('expires_in', 'ticket', )
    expires_in: int
    ticket: str


class Topup(Model):
    """A top-up."""
    __slots__ = ('amount', 'created_at', 'id', 'provider', 'status', )
    amount: int
    created_at: str
    id: str
    provider: str
    status: str


class TopupRequest(Model):
    """`POST /v1/wallet/topups`."""
    __slots__ = ('amount', 'provider', )
    amount: int
    provider: str


class Transaction(Model):
    """A ledger transaction; its entries sum to zero."""
    __slots__ = ('created_at', 'entries', 'id', 'metadata', 'type', )
    created_at: str
    entries: List[LedgerEntry]
    id: str
    metadata: Dict[str, Any]
    type: str


class TypeCount(Model):
    """An agent type and how many published agents have it."""
    __slots__ = ('count', 'type', )
    count: int
    type: str


class UpdateAgentRequest(Model):
    """`PATCH /v1/agents/{id}`: every field optional; `imageUrl` and `nationality` may be set to
`null` to clear them."""
    __slots__ = ('actions_per_second', 'description', 'games', 'has_commentator', 'has_voice_chat', 'image_url', 'name', 'nationality', 'pricing', 'provider', 'rank', 'specializations', 'tags', 'type', )
    actions_per_second: Optional[int]
    description: Optional[str]
    games: Optional[List[str]]
    has_commentator: Optional[bool]
    has_voice_chat: Optional[bool]
    image_url: Optional[str]
    name: Optional[str]
    nationality: Optional[str]
    pricing: Optional[Pricing]
    provider: Optional[str]
    rank: Optional[str]
    specializations: Optional[List[str]]
    tags: Optional[List[str]]
    type: Optional[str]


class UpdateMeRequest(Model):
    """`PATCH /v1/users/me`."""
    __slots__ = ('display_name', 'preferences', )
    display_name: Optional[str]
    preferences: Optional[Dict[str, Any]]


class Wallet(Model):
    """A user's DOF wallet. `available = balance - held`."""
    __slots__ = ('available', 'balance', 'currency', 'held', )
    available: int
    balance: int
    currency: str
    held: int


class Webhook(Model):
    """`GET /v1/users/me/webhook` (v1.2)."""
    __slots__ = ('url', )
    url: str


class WebhookSecret(Model):
    """`PUT /v1/users/me/webhook` answer: the URL and its signing secret, shown this once (a new
`PUT` rotates it)."""
    __slots__ = ('secret', 'url', )
    secret: str
    url: str


# What each model reads from its JSON object: (attribute, member, converter).
Achievement._fields = (
    ('description', 'description', _same),
    ('id', 'id', _same),
    ('name', 'name', _same),
    ('unlocked_at', 'unlockedAt', _same),
)
Achievements._fields = (
    ('items', 'items', _list(Achievement._from)),
)
Agent._fields = (
    ('actions_per_second', 'actionsPerSecond', _same),
    ('created_at', 'createdAt', _same),
    ('description', 'description', _same),
    ('games', 'games', _same),
    ('has_commentator', 'hasCommentator', _same),
    ('has_voice_chat', 'hasVoiceChat', _same),
    ('id', 'id', _same),
    ('image_url', 'imageUrl', _same),
    ('name', 'name', _same),
    ('nationality', 'nationality', _same),
    ('owner_id', 'ownerId', _same),
    ('pricing', 'pricing', Pricing._from),
    ('provider', 'provider', _same),
    ('rank', 'rank', _same),
    ('specializations', 'specializations', _same),
    ('status', 'status', _same),
    ('tags', 'tags', _same),
    ('type', 'type', _same),
    ('updated_at', 'updatedAt', _same),
    ('version', 'version', _same),
)
AnonymousLoginRequest._fields = (
    ('device_id', 'deviceId', _same),
)
AuthResponse._fields = (
    ('access_token', 'accessToken', _same),
    ('expires_in', 'expiresIn', _same),
    ('refresh_token', 'refreshToken', _same),
    ('user', 'user', User._from),
)
Categories._fields = (
    ('games', 'games', _list(GameCount._from)),
    ('types', 'types', _list(TypeCount._from)),
)
CommandAccepted._fields = (
    ('command_id', 'commandId', _same),
)
CommandRequest._fields = (
    ('command_id', 'commandId', _same),
    ('data', 'data', _same),
)
CreateAgentRequest._fields = (
    ('actions_per_second', 'actionsPerSecond', _same),
    ('description', 'description', _same),
    ('games', 'games', _same),
    ('has_commentator', 'hasCommentator', _same),
    ('has_voice_chat', 'hasVoiceChat', _same),
    ('image_url', 'imageUrl', _same),
    ('name', 'name', _same),
    ('nationality', 'nationality', _same),
    ('pricing', 'pricing', Pricing._from),
    ('provider', 'provider', _same),
    ('rank', 'rank', _same),
    ('specializations', 'specializations', _same),
    ('tags', 'tags', _same),
    ('type', 'type', _same),
)
CreateReviewRequest._fields = (
    ('rating', 'rating', _same),
    ('session_id', 'sessionId', _same),
    ('text', 'text', _same),
)
EndSessionResponse._fields = (
    ('session', 'session', Session._from),
    ('settlement', 'settlement', Settlement._from),
)
ErrorBody._fields = (
    ('error', 'error', ErrorDetail._from),
)
ErrorDetail._fields = (
    ('code', 'code', _same),
    ('details', 'details', ErrorDetails._from),
    ('message', 'message', _same),
    ('request_id', 'requestId', _same),
)
ErrorDetails._fields = (
    ('available', 'available', _same),
    ('field', 'field', _same),
    ('limit', 'limit', _same),
    ('needed', 'needed', _same),
    ('retry_after', 'retryAfter', _same),
)
Facets._fields = (
    ('game', 'game', _same),
    ('has_commentator', 'hasCommentator', _same),
    ('has_voice_chat', 'hasVoiceChat', _same),
    ('provider', 'provider', _same),
    ('rank', 'rank', _same),
    ('type', 'type', _same),
)
Featured._fields = (
    ('items', 'items', _list(Listing._from)),
)
GameCount._fields = (
    ('count', 'count', _same),
    ('game', 'game', _same),
)
HireRequest._fields = (
    ('agent_id', 'agentId', _same),
    ('budget', 'budget', _same),
    ('expected_pricing', 'expectedPricing', Pricing._from),
    ('game', 'game', _same),
    ('max_minutes', 'maxMinutes', _same),
)
HireResponse._fields = (
    ('session', 'session', Session._from),
    ('stream_path', 'streamPath', _same),
)
LedgerEntry._fields = (
    ('account', 'account', _same),
    ('amount', 'amount', _same),
)
Listing._fields = (
    ('actions_per_second', 'actionsPerSecond', _same),
    ('created_at', 'createdAt', _same),
    ('description', 'description', _same),
    ('games', 'games', _same),
    ('has_commentator', 'hasCommentator', _same),
    ('has_voice_chat', 'hasVoiceChat', _same),
    ('id', 'id', _same),
    ('image_url', 'imageUrl', _same),
    ('name', 'name', _same),
    ('nationality', 'nationality', _same),
    ('owner_id', 'ownerId', _same),
    ('pricing', 'pricing', Pricing._from),
    ('provider', 'provider', _same),
    ('rank', 'rank', _same),
    ('specializations', 'specializations', _same),
    ('status', 'status', _same),
    ('tags', 'tags', _same),
    ('type', 'type', _same),
    ('updated_at', 'updatedAt', _same),
    ('version', 'version', _same),
    ('owner', 'owner', OwnerSummary._from),
    ('popularity', 'popularity', _same),
    ('rating', 'rating', _same),
    ('review_count', 'reviewCount', _same),
    ('success_rate', 'successRate', _same),
    ('total_hires', 'totalHires', _same),
)
ListingWithReviews._fields = (
    ('actions_per_second', 'actionsPerSecond', _same),
    ('created_at', 'createdAt', _same),
    ('description', 'description', _same),
    ('games', 'games', _same),
    ('has_commentator', 'hasCommentator', _same),
    ('has_voice_chat', 'hasVoiceChat', _same),
    ('id', 'id', _same),
    ('image_url', 'imageUrl', _same),
    ('name', 'name', _same),
    ('nationality', 'nationality', _same),
    ('owner_id', 'ownerId', _same),
    ('pricing', 'pricing', Pricing._from),
    ('provider', 'provider', _same),
    ('rank', 'rank', _same),
    ('specializations', 'specializations', _same),
    ('status', 'status', _same),
    ('tags', 'tags', _same),
    ('type', 'type', _same),
    ('updated_at', 'updatedAt', _same),
    ('version', 'version', _same),
    ('owner', 'owner', OwnerSummary._from),
    ('popularity', 'popularity', _same),
    ('rating', 'rating', _same),
    ('review_count', 'reviewCount', _same),
    ('success_rate', 'successRate', _same),
    ('total_hires', 'totalHires', _same),
    ('reviews', 'reviews', _list(Review._from)),
)
LoginRequest._fields = (
    ('email', 'email', _same),
    ('password', 'password', _same),
)
User._fields = (
    ('created_at', 'createdAt', _same),
    ('display_name', 'displayName', _same),
    ('email', 'email', _same),
    ('id', 'id', _same),
)
Me._fields = (
    ('created_at', 'createdAt', _same),
    ('display_name', 'displayName', _same),
    ('email', 'email', _same),
    ('id', 'id', _same),
    ('preferences', 'preferences', _same),
)
OwnerSummary._fields = (
    ('display_name', 'displayName', _same),
    ('id', 'id', _same),
)
PartialListing._fields = (
    ('actions_per_second', 'actionsPerSecond', _same),
    ('created_at', 'createdAt', _same),
    ('description', 'description', _same),
    ('games', 'games', _same),
    ('has_commentator', 'hasCommentator', _same),
    ('has_voice_chat', 'hasVoiceChat', _same),
    ('id', 'id', _same),
    ('image_url', 'imageUrl', _same),
    ('name', 'name', _same),
    ('nationality', 'nationality', _same),
    ('owner', 'owner', OwnerSummary._from),
    ('owner_id', 'ownerId', _same),
    ('popularity', 'popularity', _same),
    ('pricing', 'pricing', Pricing._from),
    ('provider', 'provider', _same),
    ('rank', 'rank', _same),
    ('rating', 'rating', _same),
    ('review_count', 'reviewCount', _same),
    ('reviews', 'reviews', _list(Review._from)),
    ('specializations', 'specializations', _same),
    ('status', 'status', _same),
    ('success_rate', 'successRate', _same),
    ('tags', 'tags', _same),
    ('total_hires', 'totalHires', _same),
    ('type', 'type', _same),
    ('updated_at', 'updatedAt', _same),
    ('version', 'version', _same),
)
Pricing._fields = (
    ('per_action', 'perAction', _same),
    ('per_minute', 'perMinute', _same),
)
RefreshRequest._fields = (
    ('refresh_token', 'refreshToken', _same),
)
RegisterRequest._fields = (
    ('display_name', 'displayName', _same),
    ('email', 'email', _same),
    ('password', 'password', _same),
)
Review._fields = (
    ('agent_id', 'agentId', _same),
    ('author', 'author', OwnerSummary._from),
    ('created_at', 'createdAt', _same),
    ('id', 'id', _same),
    ('rating', 'rating', _same),
    ('session_id', 'sessionId', _same),
    ('text', 'text', _same),
)
SearchResults._fields = (
    ('facets', 'facets', Facets._from),
    ('items', 'items', _list(Listing._from)),
    ('next_cursor', 'nextCursor', _same),
    ('total', 'total', _same),
)
SelectedFeatured._fields = (
    ('items', 'items', _list(PartialListing._from)),
)
SelectedResults._fields = (
    ('facets', 'facets', Facets._from),
    ('items', 'items', _list(PartialListing._from)),
    ('next_cursor', 'nextCursor', _same),
    ('total', 'total', _same),
)
Session._fields = (
    ('agent_id', 'agentId', _same),
    ('budget', 'budget', _same),
    ('consumed', 'consumed', _same),
    ('end_reason', 'endReason', _same),
    ('ended_at', 'endedAt', _same),
    ('expires_at', 'expiresAt', _same),
    ('game', 'game', _same),
    ('hirer_id', 'hirerId', _same),
    ('id', 'id', _same),
    ('last_seq', 'lastSeq', _same),
    ('owner_id', 'ownerId', _same),
    ('remaining', 'remaining', _same),
    ('started_at', 'startedAt', _same),
    ('status', 'status', _same),
)
SetWebhookRequest._fields = (
    ('url', 'url', _same),
)
Settlement._fields = (
    ('consumed', 'consumed', _same),
    ('owner_earnings', 'ownerEarnings', _same),
    ('platform_fee', 'platformFee', _same),
    ('released', 'released', _same),
)
StreamTicket._fields = (
    ('expires_in', 'expiresIn', _same),
    ('ticket', 'ticket', _same),
)
Topup._fields = (
    ('amount', 'amount', _same),
    ('created_at', 'createdAt', _same),
    ('id', 'id', _same),
    ('provider', 'provider', _same),
    ('status', 'status', _same),
)
TopupRequest._fields = (
    ('amount', 'amount', _same),
    ('provider', 'provider', _same),
)
Transaction._fields = (
    ('created_at', 'createdAt', _same),
    ('entries', 'entries', _list(LedgerEntry._from)),
    ('id', 'id', _same),
    ('metadata', 'metadata', _same),
    ('type', 'type', _same),
)
TypeCount._fields = (
    ('count', 'count', _same),
    ('type', 'type', _same),
)
UpdateAgentRequest._fields = (
    ('actions_per_second', 'actionsPerSecond', _same),
    ('description', 'description', _same),
    ('games', 'games', _same),
    ('has_commentator', 'hasCommentator', _same),
    ('has_voice_chat', 'hasVoiceChat', _same),
    ('image_url', 'imageUrl', _same),
    ('name', 'name', _same),
    ('nationality', 'nationality', _same),
    ('pricing', 'pricing', Pricing._from),
    ('provider', 'provider', _same),
    ('rank', 'rank', _same),
    ('specializations', 'specializations', _same),
    ('tags', 'tags', _same),
    ('type', 'type', _same),
)
UpdateMeRequest._fields = (
    ('display_name', 'displayName', _same),
    ('preferences', 'preferences', _same),
)
Wallet._fields = (
    ('available', 'available', _same),
    ('balance', 'balance', _same),
    ('currency', 'currency', _same),
    ('held', 'held', _same),
)
Webhook._fields = (
    ('url', 'url', _same),
)
WebhookSecret._fields = (
    ('secret', 'secret', _same),
    ('url', 'url', _same),
)
