// The store API contract's models, deserialized with Newtonsoft.Json from the camelCase JSON
// the ABI hands over (names spelled out, so no naming policy or Newtonsoft version matters).
// Wire enums (rank, type, status…) stay strings, so a newer server's values still read.
// DOF amounts are whole numbers (long); timestamps are DateTimeOffset.
using System;
using System.Collections.Generic;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using UnityEngine.Scripting;

namespace Jiga
{
    [Preserve]
    public class User
    {
        [JsonProperty("id")] public string Id { get; set; }
        [JsonProperty("displayName")] public string DisplayName { get; set; }
        [JsonProperty("email")] public string Email { get; set; }
        [JsonProperty("createdAt")] public DateTimeOffset CreatedAt { get; set; }
    }

    /// <summary>The signed-in user with their preferences.</summary>
    [Preserve]
    public class Me : User
    {
        [JsonProperty("preferences")] public JToken Preferences { get; set; }
    }

    [Preserve]
    public class Pricing
    {
        [JsonProperty("perMinute")] public long PerMinute { get; set; }
        [JsonProperty("perAction")] public long PerAction { get; set; }
    }

    [Preserve]
    public class Agent
    {
        [JsonProperty("id")] public string Id { get; set; }
        [JsonProperty("ownerId")] public string OwnerId { get; set; }
        [JsonProperty("name")] public string Name { get; set; }
        [JsonProperty("description")] public string Description { get; set; }
        [JsonProperty("tags")] public List<string> Tags { get; set; }
        [JsonProperty("specializations")] public List<string> Specializations { get; set; }
        [JsonProperty("games")] public List<string> Games { get; set; }
        [JsonProperty("rank")] public string Rank { get; set; }
        [JsonProperty("type")] public string Type { get; set; }
        [JsonProperty("provider")] public string Provider { get; set; }
        [JsonProperty("hasVoiceChat")] public bool HasVoiceChat { get; set; }
        [JsonProperty("hasCommentator")] public bool HasCommentator { get; set; }
        [JsonProperty("pricing")] public Pricing Pricing { get; set; }
        [JsonProperty("actionsPerSecond")] public int ActionsPerSecond { get; set; }
        [JsonProperty("imageUrl")] public string ImageUrl { get; set; }
        [JsonProperty("nationality")] public string Nationality { get; set; }
        [JsonProperty("status")] public string Status { get; set; }
        [JsonProperty("version")] public int Version { get; set; }
        [JsonProperty("createdAt")] public DateTimeOffset CreatedAt { get; set; }
        [JsonProperty("updatedAt")] public DateTimeOffset UpdatedAt { get; set; }
    }

    [Preserve]
    public class OwnerSummary
    {
        [JsonProperty("id")] public string Id { get; set; }
        [JsonProperty("displayName")] public string DisplayName { get; set; }
    }

    /// <summary>An agent as the marketplace shows it: the agent, its owner and its standing.</summary>
    [Preserve]
    public class Listing : Agent
    {
        [JsonProperty("owner")] public OwnerSummary Owner { get; set; }
        [JsonProperty("rating")] public double Rating { get; set; }
        [JsonProperty("reviewCount")] public long ReviewCount { get; set; }
        [JsonProperty("totalHires")] public long TotalHires { get; set; }
        [JsonProperty("popularity")] public double Popularity { get; set; }
        [JsonProperty("successRate")] public double SuccessRate { get; set; }
    }

    /// <summary>Counts per value of each filter, over the whole result set.</summary>
    [Preserve]
    public class Facets
    {
        [JsonProperty("rank")] public Dictionary<string, long> Rank { get; set; }
        [JsonProperty("type")] public Dictionary<string, long> Type { get; set; }
        [JsonProperty("provider")] public Dictionary<string, long> Provider { get; set; }
        [JsonProperty("game")] public Dictionary<string, long> Game { get; set; }
        [JsonProperty("hasVoiceChat")] public Dictionary<string, long> HasVoiceChat { get; set; }
        [JsonProperty("hasCommentator")] public Dictionary<string, long> HasCommentator { get; set; }
    }

    [Preserve]
    public class SearchResults
    {
        [JsonProperty("items")] public List<Listing> Items { get; set; }
        [JsonProperty("nextCursor")] public string NextCursor { get; set; }
        [JsonProperty("total")] public long Total { get; set; }
        [JsonProperty("facets")] public Facets Facets { get; set; }
    }

    [Preserve]
    public class Featured
    {
        [JsonProperty("items")] public List<Listing> Items { get; set; }
    }

    [Preserve]
    public class GameCount
    {
        [JsonProperty("game")] public string Game { get; set; }
        [JsonProperty("count")] public long Count { get; set; }
    }

    [Preserve]
    public class TypeCount
    {
        [JsonProperty("type")] public string Type { get; set; }
        [JsonProperty("count")] public long Count { get; set; }
    }

    [Preserve]
    public class Categories
    {
        [JsonProperty("games")] public List<GameCount> Games { get; set; }
        [JsonProperty("types")] public List<TypeCount> Types { get; set; }
        /// <summary>Members a newer contract adds (ranks, providers…), as sent.</summary>
        [JsonExtensionData] public IDictionary<string, JToken> Extra { get; set; }
    }

    /// <summary>Search filters; every member optional (null: not filtered).</summary>
    [Preserve]
    public class SearchParams
    {
        [JsonProperty("q", NullValueHandling = NullValueHandling.Ignore)] public string Q { get; set; }
        [JsonProperty("rank", NullValueHandling = NullValueHandling.Ignore)] public List<string> Rank { get; set; }
        [JsonProperty("agentType", NullValueHandling = NullValueHandling.Ignore)] public List<string> AgentType { get; set; }
        [JsonProperty("provider", NullValueHandling = NullValueHandling.Ignore)] public List<string> Provider { get; set; }
        [JsonProperty("game", NullValueHandling = NullValueHandling.Ignore)] public List<string> Game { get; set; }
        [JsonProperty("hasVoiceChat", NullValueHandling = NullValueHandling.Ignore)] public bool? HasVoiceChat { get; set; }
        [JsonProperty("hasCommentator", NullValueHandling = NullValueHandling.Ignore)] public bool? HasCommentator { get; set; }
        [JsonProperty("priceMin", NullValueHandling = NullValueHandling.Ignore)] public long? PriceMin { get; set; }
        [JsonProperty("priceMax", NullValueHandling = NullValueHandling.Ignore)] public long? PriceMax { get; set; }
        [JsonProperty("ratingMin", NullValueHandling = NullValueHandling.Ignore)] public double? RatingMin { get; set; }
        /// <summary><c>relevance</c>, <c>rating</c>, <c>popularity</c>, <c>price</c>… as the contract names them.</summary>
        [JsonProperty("sort", NullValueHandling = NullValueHandling.Ignore)] public string Sort { get; set; }
        [JsonProperty("limit", NullValueHandling = NullValueHandling.Ignore)] public int? Limit { get; set; }
        [JsonProperty("cursor", NullValueHandling = NullValueHandling.Ignore)] public string Cursor { get; set; }
    }

    [Preserve]
    public class Session
    {
        [JsonProperty("id")] public string Id { get; set; }
        [JsonProperty("agentId")] public string AgentId { get; set; }
        [JsonProperty("hirerId")] public string HirerId { get; set; }
        [JsonProperty("ownerId")] public string OwnerId { get; set; }
        [JsonProperty("game")] public string Game { get; set; }
        /// <summary><c>active</c> or <c>ended</c>.</summary>
        [JsonProperty("status")] public string Status { get; set; }
        [JsonProperty("budget")] public long Budget { get; set; }
        [JsonProperty("consumed")] public long Consumed { get; set; }
        [JsonProperty("remaining")] public long Remaining { get; set; }
        [JsonProperty("startedAt")] public DateTimeOffset StartedAt { get; set; }
        [JsonProperty("endedAt")] public DateTimeOffset? EndedAt { get; set; }
        [JsonProperty("endReason")] public string EndReason { get; set; }
        [JsonProperty("expiresAt")] public DateTimeOffset ExpiresAt { get; set; }
        [JsonProperty("lastSeq")] public long LastSeq { get; set; }
    }

    [Preserve]
    public class HireRequest
    {
        [JsonProperty("agentId")] public string AgentId { get; set; }
        [JsonProperty("game")] public string Game { get; set; }
        [JsonProperty("budget")] public long Budget { get; set; }
        [JsonProperty("maxMinutes", NullValueHandling = NullValueHandling.Ignore)] public int? MaxMinutes { get; set; }
        /// <summary>The price the player was shown; the server refuses the hire (409) if it changed.</summary>
        [JsonProperty("expectedPricing", NullValueHandling = NullValueHandling.Ignore)] public Pricing ExpectedPricing { get; set; }
    }

    [Preserve]
    public class HireResponse
    {
        [JsonProperty("session")] public Session Session { get; set; }
        [JsonProperty("streamPath")] public string StreamPath { get; set; }
    }

    /// <summary>How a session's DOF was split: <c>Consumed = OwnerEarnings + PlatformFee</c>, <c>Released = budget - Consumed</c>.</summary>
    [Preserve]
    public class Settlement
    {
        [JsonProperty("consumed")] public long Consumed { get; set; }
        [JsonProperty("ownerEarnings")] public long OwnerEarnings { get; set; }
        [JsonProperty("platformFee")] public long PlatformFee { get; set; }
        [JsonProperty("released")] public long Released { get; set; }
    }

    [Preserve]
    public class EndSessionResponse
    {
        [JsonProperty("session")] public Session Session { get; set; }
        [JsonProperty("settlement")] public Settlement Settlement { get; set; }
    }

    [Preserve]
    public class Wallet
    {
        [JsonProperty("balance")] public long Balance { get; set; }
        [JsonProperty("held")] public long Held { get; set; }
        [JsonProperty("available")] public long Available { get; set; }
        [JsonProperty("currency")] public string Currency { get; set; }
    }

    [Preserve]
    public class TopupRequest
    {
        [JsonProperty("amount")] public long Amount { get; set; }
        /// <summary><c>dev</c> (instant, development servers) or <c>stripe</c>.</summary>
        [JsonProperty("provider")] public string Provider { get; set; }
    }

    [Preserve]
    public class Topup
    {
        [JsonProperty("id")] public string Id { get; set; }
        [JsonProperty("amount")] public long Amount { get; set; }
        [JsonProperty("provider")] public string Provider { get; set; }
        [JsonProperty("status")] public string Status { get; set; }
        [JsonProperty("createdAt")] public DateTimeOffset CreatedAt { get; set; }
    }

    [Preserve]
    public class LedgerEntry
    {
        [JsonProperty("account")] public string Account { get; set; }
        [JsonProperty("amount")] public long Amount { get; set; }
    }

    [Preserve]
    public class Transaction
    {
        [JsonProperty("id")] public string Id { get; set; }
        [JsonProperty("type")] public string Type { get; set; }
        [JsonProperty("createdAt")] public DateTimeOffset CreatedAt { get; set; }
        [JsonProperty("entries")] public List<LedgerEntry> Entries { get; set; }
        [JsonProperty("metadata")] public JToken Metadata { get; set; }
    }

    /// <summary>One page of a list route.</summary>
    [Preserve]
    public class Page<T>
    {
        [JsonProperty("items")] public List<T> Items { get; set; }
        [JsonProperty("nextCursor")] public string NextCursor { get; set; }
    }

    /// <summary>Filters of the transaction list; every member optional.</summary>
    [Preserve]
    public class TransactionFilter
    {
        [JsonProperty("type", NullValueHandling = NullValueHandling.Ignore)] public string Type { get; set; }
        [JsonProperty("limit", NullValueHandling = NullValueHandling.Ignore)] public int? Limit { get; set; }
        [JsonProperty("cursor", NullValueHandling = NullValueHandling.Ignore)] public string Cursor { get; set; }
    }

    [Preserve]
    internal class RegisterRequest
    {
        [JsonProperty("email")] public string Email { get; set; }
        [JsonProperty("password")] public string Password { get; set; }
        [JsonProperty("displayName")] public string DisplayName { get; set; }
    }

    /// <summary>A notification of the signed-in user (<c>agent.hired</c>, <c>session.ended</c>, <c>transaction.completed</c>…).</summary>
    [Preserve]
    public class Notification
    {
        [JsonProperty("id")] public string Id { get; set; }
        [JsonProperty("type")] public string Type { get; set; }
        [JsonProperty("ts")] public DateTimeOffset Ts { get; set; }
        [JsonProperty("data")] public JToken Data { get; set; }
    }
}
