// JigaClient's calls: one method per route of the C ABI. Each converts its arguments to the
// JSON or UTF-8 the ABI takes and returns the Task the pump completes; nothing else.
using System.Threading;
using System.Threading.Tasks;
using Jiga.Native;

namespace Jiga
{
    public sealed unsafe partial class JigaClient
    {
        internal delegate int Fn0(ulong client, ulong* op);
        internal delegate int Fn1(ulong client, byte* a, ulong* op);
        internal delegate int Fn2(ulong client, byte* a, byte* b, ulong* op);
        internal delegate int PagerFn1(ulong client, byte* a, ulong* pager);
        internal delegate int PagerFn2(ulong client, byte* a, byte* b, ulong* pager);

        private Task<T> Call0<T>(Fn0 f, CancellationToken ct)
        {
            return Start(ct, Parse<T>, op => f(_handle, op));
        }

        private Task<T> Call1<T>(Fn1 f, byte[] a, CancellationToken ct)
        {
            return Start(ct, Parse<T>, op => { fixed (byte* pa = a) return f(_handle, pa, op); });
        }

        private Task<T> Call2<T>(Fn2 f, byte[] a, byte[] b, CancellationToken ct)
        {
            return Start(ct, Parse<T>, op =>
            {
                fixed (byte* pa = a)
                fixed (byte* pb = b)
                    return f(_handle, pa, pb, op);
            });
        }

        private Paginator<T> Pages1<T>(PagerFn1 f, byte[] a) where T : class
        {
            ulong pager;
            fixed (byte* pa = a) Check(f(_handle, pa, &pager));
            return new Paginator<T>(this, pager);
        }

        private Paginator<T> Pages2<T>(PagerFn2 f, byte[] a, byte[] b) where T : class
        {
            ulong pager;
            fixed (byte* pa = a)
            fixed (byte* pb = b)
                Check(f(_handle, pa, pb, &pager));
            return new Paginator<T>(this, pager);
        }

        private static byte[] Z(string s)
        {
            return Utf8.Z(s);
        }

        private static byte[] JsonOrNull(object o)
        {
            return o == null ? null : Json(o);
        }

        // ---- sign-in and tokens ----

        /// <summary>Signs in with a device id, creating the player on first use.</summary>
        public Task<User> SignInDeviceAsync(string deviceId, CancellationToken ct = default(CancellationToken))
        {
            return Call1<User>(NativeMethods.jiga_sign_in_device, Z(deviceId), ct);
        }

        /// <summary>Signs in with email and password.</summary>
        public Task<User> LoginAsync(string email, string password, CancellationToken ct = default(CancellationToken))
        {
            return Call2<User>(NativeMethods.jiga_login, Z(email), Z(password), ct);
        }

        /// <summary>Registers a player with email and password and signs in.</summary>
        public Task<User> RegisterAsync(string email, string password, string displayName, CancellationToken ct = default(CancellationToken))
        {
            var body = Json(new RegisterRequest { Email = email, Password = password, DisplayName = displayName });
            return Call1<User>(NativeMethods.jiga_register, body, ct);
        }

        /// <summary>Refreshes the access token now (the core also does it by itself when a call meets an expired one).</summary>
        public Task RefreshAsync(CancellationToken ct = default(CancellationToken))
        {
            return Start(ct, Ignore, op => NativeMethods.jiga_refresh(_handle, op));
        }

        /// <summary>
        /// The client's current tokens as JSON ("null" when signed out), to pass back as
        /// <see cref="JigaClientOptions.Tokens"/> later. They are secrets: store them as such
        /// (the platform's keychain or keystore, not PlayerPrefs in plain text).
        /// </summary>
        public string SaveTokens()
        {
            byte* json;
            Check(NativeMethods.jiga_client_tokens(_handle, &json));
            try
            {
                return Utf8.Read(json);
            }
            finally
            {
                NativeMethods.jiga_string_free(json);
            }
        }

        /// <summary>Forgets the tokens (nothing is sent).</summary>
        public void SignOut()
        {
            Check(NativeMethods.jiga_sign_out(_handle));
        }

        // ---- marketplace ----

        /// <summary>One page of search results.</summary>
        public Task<SearchResults> SearchAsync(SearchParams query, CancellationToken ct = default(CancellationToken))
        {
            return Call1<SearchResults>(NativeMethods.jiga_search, JsonOrNull(query), ct);
        }

        /// <summary>Every page of a search, one <see cref="Paginator{T}.NextPageAsync"/> at a time (the core's paging loop).</summary>
        public Paginator<SearchResults> SearchPages(SearchParams query)
        {
            return Pages1<SearchResults>(NativeMethods.jiga_search_pages, JsonOrNull(query));
        }

        /// <summary>One listing by agent id.</summary>
        public Task<Listing> ListingAsync(string agentId, CancellationToken ct = default(CancellationToken))
        {
            return Call1<Listing>(NativeMethods.jiga_listing, Z(agentId), ct);
        }

        /// <summary>The featured listings.</summary>
        public Task<Featured> FeaturedAsync(CancellationToken ct = default(CancellationToken))
        {
            return Call0<Featured>(NativeMethods.jiga_featured, ct);
        }

        /// <summary>The categories (games, types… with counts).</summary>
        public Task<Categories> CategoriesAsync(CancellationToken ct = default(CancellationToken))
        {
            return Call0<Categories>(NativeMethods.jiga_categories, ct);
        }

        // ---- agents and reviews ----

        /// <summary>One agent by id.</summary>
        public Task<Agent> AgentAsync(string agentId, CancellationToken ct = default(CancellationToken))
        {
            return Call1<Agent>(NativeMethods.jiga_agent, Z(agentId), ct);
        }

        /// <summary>Creates an agent (a draft owned by the caller).</summary>
        public Task<Agent> CreateAgentAsync(CreateAgentRequest request, CancellationToken ct = default(CancellationToken))
        {
            return Call1<Agent>(NativeMethods.jiga_agent_create, Json(request), ct);
        }

        /// <summary>Changes the members set in <paramref name="request"/> of the caller's agent.</summary>
        public Task<Agent> UpdateAgentAsync(string agentId, UpdateAgentRequest request, CancellationToken ct = default(CancellationToken))
        {
            return Call2<Agent>(NativeMethods.jiga_agent_update, Z(agentId), Json(request), ct);
        }

        /// <summary>Publishes the caller's agent to the marketplace.</summary>
        public Task<Agent> PublishAgentAsync(string agentId, CancellationToken ct = default(CancellationToken))
        {
            return Call1<Agent>(NativeMethods.jiga_agent_publish, Z(agentId), ct);
        }

        /// <summary>Takes the caller's agent off the marketplace.</summary>
        public Task<Agent> UnpublishAgentAsync(string agentId, CancellationToken ct = default(CancellationToken))
        {
            return Call1<Agent>(NativeMethods.jiga_agent_unpublish, Z(agentId), ct);
        }

        /// <summary>One page of an agent's versions, newest first.</summary>
        public Task<Page<Agent>> AgentVersionsAsync(string agentId, PageRequest page = null, CancellationToken ct = default(CancellationToken))
        {
            return Call2<Page<Agent>>(NativeMethods.jiga_agent_versions, Z(agentId), JsonOrNull(page), ct);
        }

        /// <summary>Every page of an agent's versions.</summary>
        public Paginator<Page<Agent>> AgentVersionPages(string agentId, PageRequest page = null)
        {
            return Pages2<Page<Agent>>(NativeMethods.jiga_agent_version_pages, Z(agentId), JsonOrNull(page));
        }

        /// <summary>One page of an agent's reviews, newest first.</summary>
        public Task<Page<Review>> ReviewsAsync(string agentId, PageRequest page = null, CancellationToken ct = default(CancellationToken))
        {
            return Call2<Page<Review>>(NativeMethods.jiga_reviews, Z(agentId), JsonOrNull(page), ct);
        }

        /// <summary>Every page of an agent's reviews.</summary>
        public Paginator<Page<Review>> ReviewPages(string agentId, PageRequest page = null)
        {
            return Pages2<Page<Review>>(NativeMethods.jiga_review_pages, Z(agentId), JsonOrNull(page));
        }

        /// <summary>Reviews an agent the caller hired.</summary>
        public Task<Review> CreateReviewAsync(string agentId, CreateReviewRequest request, CancellationToken ct = default(CancellationToken))
        {
            return Call2<Review>(NativeMethods.jiga_review_create, Z(agentId), Json(request), ct);
        }

        // ---- the player ----

        /// <summary>The signed-in user.</summary>
        public Task<Me> MeAsync(CancellationToken ct = default(CancellationToken))
        {
            return Call0<Me>(NativeMethods.jiga_me, ct);
        }

        /// <summary>Changes the caller's display name or preferences.</summary>
        public Task<Me> UpdateMeAsync(UpdateMeRequest request, CancellationToken ct = default(CancellationToken))
        {
            return Call1<Me>(NativeMethods.jiga_me_update, Json(request), ct);
        }

        /// <summary>
        /// POSTs the caller's notifications to <paramref name="url"/>, signed with the answer's
        /// secret (shown this once; calling again rotates it), which <see cref="Webhooks.Verify"/>
        /// checks deliveries with.
        /// </summary>
        public Task<WebhookSecret> SetWebhookAsync(string url, CancellationToken ct = default(CancellationToken))
        {
            return Call1<WebhookSecret>(NativeMethods.jiga_webhook_set, Z(url), ct);
        }

        /// <summary>The caller's webhook, or null when none is set.</summary>
        public Task<Webhook> WebhookAsync(CancellationToken ct = default(CancellationToken))
        {
            return Call0<Webhook>(NativeMethods.jiga_webhook_get, ct);
        }

        /// <summary>Removes the caller's webhook; whether one was set.</summary>
        public Task<bool> DeleteWebhookAsync(CancellationToken ct = default(CancellationToken))
        {
            return Call0<bool>(NativeMethods.jiga_webhook_delete, ct);
        }

        /// <summary>A user by id (the contract allows only the caller's own: others are <see cref="ForbiddenException"/>).</summary>
        public Task<Me> UserAsync(string userId, CancellationToken ct = default(CancellationToken))
        {
            return Call1<Me>(NativeMethods.jiga_user, Z(userId), ct);
        }

        /// <summary>One page of the caller's own agents (drafts included).</summary>
        public Task<Page<Agent>> MyAgentsAsync(PageRequest page = null, CancellationToken ct = default(CancellationToken))
        {
            return Call1<Page<Agent>>(NativeMethods.jiga_my_agents, JsonOrNull(page), ct);
        }

        /// <summary>Every page of the caller's own agents.</summary>
        public Paginator<Page<Agent>> MyAgentPages(PageRequest page = null)
        {
            return Pages1<Page<Agent>>(NativeMethods.jiga_my_agent_pages, JsonOrNull(page));
        }

        // ---- wallet ----

        /// <summary>The wallet.</summary>
        public Task<Wallet> WalletAsync(CancellationToken ct = default(CancellationToken))
        {
            return Call0<Wallet>(NativeMethods.jiga_wallet, ct);
        }

        /// <summary>One page of the transactions, newest first.</summary>
        public Task<Page<Transaction>> TransactionsAsync(TransactionFilter filter = null, CancellationToken ct = default(CancellationToken))
        {
            return Call1<Page<Transaction>>(NativeMethods.jiga_transactions, JsonOrNull(filter), ct);
        }

        /// <summary>Every page of the transactions, newest first.</summary>
        public Paginator<Page<Transaction>> TransactionPages(TransactionFilter filter = null)
        {
            return Pages1<Page<Transaction>>(NativeMethods.jiga_transaction_pages, JsonOrNull(filter));
        }

        /// <summary>
        /// Tops the wallet up. Without <paramref name="idempotencyKey"/> the core sends one key
        /// and reuses it on its retries; with one (kept by the game across restarts), the same
        /// key with the same request tops up once.
        /// </summary>
        public Task<Topup> TopupAsync(TopupRequest request, string idempotencyKey = null, CancellationToken ct = default(CancellationToken))
        {
            return idempotencyKey == null
                ? Call1<Topup>(NativeMethods.jiga_topup, Json(request), ct)
                : Call2<Topup>(NativeMethods.jiga_topup_with_key, Json(request), Z(idempotencyKey), ct);
        }

        // ---- sessions ----

        /// <summary>
        /// Hires an agent. Without <paramref name="idempotencyKey"/> the core sends one key and
        /// reuses it on its retries; with one, the same key and request hire once and another
        /// request under it fails with <see cref="IdempotencyConflictException"/>.
        /// </summary>
        public Task<HireResponse> HireAsync(HireRequest request, string idempotencyKey = null, CancellationToken ct = default(CancellationToken))
        {
            return idempotencyKey == null
                ? Call1<HireResponse>(NativeMethods.jiga_hire, Json(request), ct)
                : Call2<HireResponse>(NativeMethods.jiga_hire_with_key, Json(request), Z(idempotencyKey), ct);
        }

        /// <summary>One session by id (to its hirer or owner).</summary>
        public Task<Session> SessionAsync(string sessionId, CancellationToken ct = default(CancellationToken))
        {
            return Call1<Session>(NativeMethods.jiga_session_get, Z(sessionId), ct);
        }

        /// <summary>One page of the caller's sessions, newest first.</summary>
        public Task<Page<Session>> SessionsAsync(SessionFilter filter = null, CancellationToken ct = default(CancellationToken))
        {
            return Call1<Page<Session>>(NativeMethods.jiga_sessions, JsonOrNull(filter), ct);
        }

        /// <summary>Every page of the caller's sessions.</summary>
        public Paginator<Page<Session>> SessionPages(SessionFilter filter = null)
        {
            return Pages1<Page<Session>>(NativeMethods.jiga_session_pages, JsonOrNull(filter));
        }

        /// <summary>
        /// Sends a command over REST (never retried once sent); the session's stream
        /// acknowledges it with <c>session.command_ack</c>. With a stream open, prefer
        /// <see cref="SessionStream.SendCommandAsync"/>, which completes on the acknowledgement.
        /// </summary>
        public Task<CommandAccepted> SendCommandAsync(string sessionId, string commandId, object data, CancellationToken ct = default(CancellationToken))
        {
            var body = Json(new CommandRequest { CommandId = commandId, Data = Newtonsoft.Json.Linq.JToken.FromObject(data ?? new object()) });
            return Call2<CommandAccepted>(NativeMethods.jiga_send_command, Z(sessionId), body, ct);
        }

        /// <summary>Ends a session and settles it (under <paramref name="idempotencyKey"/> when given).</summary>
        public Task<EndSessionResponse> EndSessionAsync(string sessionId, string idempotencyKey = null, CancellationToken ct = default(CancellationToken))
        {
            return idempotencyKey == null
                ? Call1<EndSessionResponse>(NativeMethods.jiga_session_end, Z(sessionId), ct)
                : Call2<EndSessionResponse>(NativeMethods.jiga_session_end_with_key, Z(sessionId), Z(idempotencyKey), ct);
        }

        /// <summary>A single-use ticket for a stream opened where headers cannot be sent (WebGL); native builds never need one.</summary>
        public Task<StreamTicket> StreamTicketAsync(string sessionId, CancellationToken ct = default(CancellationToken))
        {
            return Call1<StreamTicket>(NativeMethods.jiga_stream_ticket, Z(sessionId), ct);
        }

        /// <summary>
        /// Opens a session's event stream (by default from <c>session.started</c>). Subscribe to
        /// <see cref="SessionStream.EventReceived"/> before the next pump; reconnects and resume
        /// are the core's, so each seq arrives once. With a guard in <paramref name="options"/>
        /// the core's budget guard raises <see cref="SessionStream.GuardFired"/>.
        /// </summary>
        public SessionStream OpenSession(string sessionId, SessionOptions options = null)
        {
            var id = Z(sessionId);
            var opts = JsonOrNull(options);
            lock (_lock)
            {
                if (_closed) throw new ClosedException(_closedWhy);
                ulong h;
                fixed (byte* p = id)
                fixed (byte* o = opts)
                    Check(NativeMethods.jiga_session_open(_handle, p, o, &h));
                var s = new SessionStream(this, h, sessionId);
                _sessions[h] = s;
                return s;
            }
        }

        /// <summary>Opens the signed-in user's notification stream.</summary>
        public NotificationStream OpenNotifications()
        {
            lock (_lock)
            {
                if (_closed) throw new ClosedException(_closedWhy);
                ulong h;
                Check(NativeMethods.jiga_notifications_open(_handle, &h));
                var s = new NotificationStream(this, h);
                _notifications[h] = s;
                return s;
            }
        }
    }
}
