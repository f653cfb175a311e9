using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace SquadStudy.Web.Participation;

/// <summary>
/// The framework's antiforgery for the question page, remembered per participant: the same tokens,
/// checked the same way, without repeating the cryptography for values already seen.
/// </summary>
/// <remarks>
/// <para>
/// Producing a form token and checking a posted one take four data-protection operations per answer
/// (unprotect the cookie token and protect a new form token on the GET; unprotect both on the
/// POST), which was a tenth of the site's CPU under load. For an anonymous request both results
/// depend only on the two strings and the key ring, so they are kept here: a form token issued for
/// an antiforgery cookie is issued again for the same cookie, and a (cookie, form token) pair the
/// framework accepted is accepted again. Anything not seen before, a token in a header, or a
/// signed-in user goes to <see cref="IAntiforgery"/> itself, so a missing, forged or foreign token
/// is still refused by the framework.
/// </para>
/// <para>
/// A remembered result lives at most <see cref="Lifetime"/> (a revoked data-protection key stops
/// being honoured here within that time) and at most <see cref="Capacity"/> are kept.
/// </para>
/// </remarks>
public sealed class ParticipantAntiforgery : IDisposable
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);
    public const int Capacity = 50_000;

    private readonly IAntiforgery antiforgery;
    private readonly string cookieName;
    private readonly string formFieldName;
    private readonly MemoryCache known = new(new MemoryCacheOptions { SizeLimit = Capacity });

    public ParticipantAntiforgery(IAntiforgery antiforgery, IOptions<AntiforgeryOptions> options)
    {
        this.antiforgery = antiforgery;
        cookieName = options.Value.Cookie.Name ?? throw new InvalidOperationException("The antiforgery cookie has no name.");
        formFieldName = options.Value.FormFieldName;
    }

    /// <summary>The tokens for a form on this response (and the antiforgery cookie, when the request has no valid one).</summary>
    public AntiforgeryTokenSet GetAndStoreTokens(HttpContext context)
    {
        var cookie = Remembers(context) ? context.Request.Cookies[cookieName] : null;
        if (cookie is not null && known.TryGetValue(new Issued(cookie), out AntiforgeryTokenSet? issued))
        {
            // What the framework does to a response that carries a token: no cache keeps it.
            context.Response.Headers.CacheControl = "no-cache, no-store";
            context.Response.Headers.Pragma = "no-cache";
            return issued!;
        }
        var tokens = antiforgery.GetAndStoreTokens(context);
        // A null cookie token means the request's cookie was valid and kept (no new cookie was set).
        if (cookie is not null && tokens.CookieToken is null)
        {
            Remember(new Issued(cookie), tokens);
        }
        return tokens;
    }

    /// <summary>Whether the POST carries a form token that belongs to its antiforgery cookie.</summary>
    public async Task<bool> IsRequestValidAsync(HttpContext context)
    {
        if (!Remembers(context) || !context.Request.HasFormContentType)
        {
            return await antiforgery.IsRequestValidAsync(context);
        }
        var cookie = context.Request.Cookies[cookieName];
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var token = form[formFieldName];
        var pair = cookie is not null && token.Count == 1 && !string.IsNullOrEmpty(token[0]) ? new Accepted(cookie, token[0]!) : null;
        if (pair is not null && known.TryGetValue(pair, out _))
        {
            return true;
        }
        var valid = await antiforgery.IsRequestValidAsync(context);
        if (valid && pair is not null)
        {
            Remember(pair, true);
        }
        return valid;
    }

    public void Dispose() => known.Dispose();

    /// <summary>Only anonymous requests: a signed-in user's tokens also carry the user's identity.</summary>
    private static bool Remembers(HttpContext context) => context.User.Identity?.IsAuthenticated != true;

    private void Remember(object key, object value) =>
        known.Set(key, value, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = Lifetime });

    private sealed record Issued(string Cookie);

    private sealed record Accepted(string Cookie, string FormToken);
}
