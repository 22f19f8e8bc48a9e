using System.Globalization;
using System.Text;
using Orleans.Concurrency;
using VLOrleans.Contracts;
using VLOrleans.Grains.Storage;

namespace VLOrleans.Grains.Sessions;

/// <summary>
/// Lists an owner's sessions from the store, newest first. A stateless worker (it keeps nothing), so a listing runs on
/// the silo that received it. The cursor is opaque to clients: base64url of "createdAtMs:id" of the page's last session.
/// </summary>
[StatelessWorker]
internal sealed class SessionDirectoryGrain(ISessionStore store) : Grain, ISessionDirectoryGrain
{
    public const int MaxLimit = 100;

    async Task<SessionPage> ISessionDirectoryGrain.ListAsync(string owner, int limit, string? cursor, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxLimit) throw SessionProblems.Invalid($"limit must be between 1 and {MaxLimit}.");
        var after = cursor is null ? null : Decode(cursor);
        // One more than asked for: whether it exists says if there is a next page, without a count query.
        var sessions = await store.ListSessionsAsync(owner, limit + 1, after, cancellationToken);
        var page = sessions.Take(limit).Select(s => new SessionSummary(s.Id, s.CreatedAt)).ToArray();
        var next = sessions.Count > limit ? Encode(sessions[limit - 1]) : null;
        return new SessionPage(page, next);
    }

    internal static string Encode(StoredSession last) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes($"{last.CreatedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}:{last.Id}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    internal static SessionCursor Decode(string cursor)
    {
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            var text = Encoding.ASCII.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=')));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && SessionIds.IsValid(text[(colon + 1)..]))
                return new SessionCursor(ms, text[(colon + 1)..]);
        }
        catch (FormatException)
        {
        }
        throw SessionProblems.Invalid("cursor is not one this server returned; pass next_cursor from the previous page as it was.");
    }
}
