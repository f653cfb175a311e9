using System.Security.Cryptography;
using System.Text;

namespace SquadStudy.Web.Participation;

/// <summary>
/// The duplicate-device flag's identifier: a random 128-bit id in a long-lived, site-wide HttpOnly
/// cookie, given at the first enrolment on a browser and sent with every later one. The participant
/// row keeps only its SHA-256, so the database cannot be used to impersonate a device.
/// </summary>
/// <remarks>
/// Chosen over a fingerprint (user agent + Accept-Language + … hashed with a server secret): such a
/// fingerprint is the same for most people on the same browser version and language, so it would flag
/// strangers as one device, and the flag must not accuse without cause. The cookie misses a person who
/// clears cookies or switches browser or private window (docs/participants.md says so); it never joins
/// two people who do not share a browser profile.
/// </remarks>
public static class DeviceCookie
{
    public const string Name = "ss.d";

    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(365);

    /// <summary>The hash of this browser's device id, issuing a new id (in the response) when it has none or a malformed one.</summary>
    public static string HashOrIssue(HttpContext context)
    {
        var id = context.Request.Cookies[Name];
        if (id is null || id.Length != 32 || !id.All(char.IsAsciiHexDigitLower))
        {
            id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            context.Response.Cookies.Append(Name, id, new CookieOptions
            {
                Path = "/",
                HttpOnly = true,
                SameSite = SameSiteMode.Lax,
                Secure = context.Request.IsHttps,
                IsEssential = true,
                MaxAge = Lifetime,
            });
        }
        return Hash(id);
    }

    public static string Hash(string id) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes("squadstudy device\0" + id)));
}
