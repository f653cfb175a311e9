using Microsoft.AspNetCore.Antiforgery;

namespace SquadStudy.Web.Participation;

/// <summary>
/// Cross-site request forgery defence of the question page's POST: the browser's Fetch Metadata
/// first, the framework's antiforgery token where the browser says nothing conclusive.
/// </summary>
/// <remarks>
/// <para>
/// <c>Sec-Fetch-Site</c> is set by the browser and cannot be set by a page (a forbidden header
/// name, W3C Fetch Metadata Request Headers §2.4). <c>same-origin</c> means the form was posted by
/// a page of this very origin, which a forging site cannot be (OWASP CSRF Prevention Cheat Sheet,
/// "Fetch Metadata headers"); such a POST needs no token. <c>cross-site</c> is refused outright,
/// token or not. Anything else (<c>same-site</c>: a sibling subdomain; <c>none</c>; no header: an
/// older browser, a proxy that strips it, a script) goes to <see cref="IAntiforgery"/>, the
/// framework's synchronizer token, which every question form carries, so a request without
/// trustworthy metadata is exactly as protected as before.
/// </para>
/// <para>
/// This is independent of cookies' SameSite: an MTurk study's pages run in MTurk's iframe, where
/// the cookies must be <c>SameSite=None</c>; the framed form posts to its own origin, which the
/// browser reports as <c>same-origin</c> whatever the top-level site, while a forged post from
/// any other site is <c>cross-site</c>. It replaces an earlier cache of remembered tokens, which
/// relied on undocumented behaviour of the framework (docs/participants.md, "Antiforgery").
/// </para>
/// </remarks>
public sealed class ParticipantAntiforgery(IAntiforgery antiforgery)
{
    public const string FetchSiteHeader = "Sec-Fetch-Site";

    /// <summary>The tokens for a form on this response (and the antiforgery cookie, when the request has no valid one): the framework's.</summary>
    public AntiforgeryTokenSet GetAndStoreTokens(HttpContext context) => antiforgery.GetAndStoreTokens(context);

    /// <summary>Whether the POST may change anything: posted by this origin, or carrying a form token that belongs to its antiforgery cookie.</summary>
    public Task<bool> IsRequestValidAsync(HttpContext context)
    {
        var site = context.Request.Headers[FetchSiteHeader];
        if (site.Count == 1)
        {
            if (string.Equals(site[0], "same-origin", StringComparison.OrdinalIgnoreCase))
            {
                return Task.FromResult(true);
            }
            if (string.Equals(site[0], "cross-site", StringComparison.OrdinalIgnoreCase))
            {
                return Task.FromResult(false);
            }
        }
        return antiforgery.IsRequestValidAsync(context);
    }
}
