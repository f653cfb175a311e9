using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;

namespace SquadStudy.Web.Participation;

/// <summary>
/// When a question page was shown, without a write on its GET: the page carries the time it was
/// rendered in a hidden field, protected by the site's data-protection keys (shared by every
/// instance) and bound to the participant and plan item, and the answer's POST stores it. A form
/// without a valid stamp, or with another participant's or question's, records nothing.
/// </summary>
public sealed class ShownStamps(IDataProtectionProvider protection, TimeProvider time)
{
    /// <summary>The question form's field.</summary>
    public const string FieldName = "Shown";

    /// <summary>Clocks of several instances may differ a little; a stamp from further ahead is refused.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(1);

    private readonly IDataProtector protector = protection.CreateProtector("SquadStudy.Participation.ShownStamp.v1");

    /// <summary>A stamp for the item shown now.</summary>
    public string Issue(long participantId, long planItemId)
    {
        Span<byte> payload = stackalloc byte[24];
        BinaryPrimitives.WriteInt64LittleEndian(payload, participantId);
        BinaryPrimitives.WriteInt64LittleEndian(payload[8..], planItemId);
        BinaryPrimitives.WriteInt64LittleEndian(payload[16..], time.GetUtcNow().UtcTicks);
        return WebEncoders.Base64UrlEncode(protector.Protect(payload.ToArray()));
    }

    /// <summary>The time a stamp was issued, when it is genuine and was issued for this participant's item; else null.</summary>
    public DateTime? Verify(string? stamp, long participantId, long planItemId)
    {
        if (string.IsNullOrEmpty(stamp) || stamp.Length > 512)
        {
            return null;
        }
        byte[] payload;
        try
        {
            payload = protector.Unprotect(WebEncoders.Base64UrlDecode(stamp));
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            // Tampered, truncated or from another key ring: not a stamp of this site.
            return null;
        }
        if (payload.Length != 24
            || BinaryPrimitives.ReadInt64LittleEndian(payload) != participantId
            || BinaryPrimitives.ReadInt64LittleEndian(payload.AsSpan(8)) != planItemId)
        {
            return null;
        }
        var ticks = BinaryPrimitives.ReadInt64LittleEndian(payload.AsSpan(16));
        if (ticks < DateTime.MinValue.Ticks || ticks > time.GetUtcNow().UtcTicks + MaxClockSkew.Ticks)
        {
            return null;
        }
        return new DateTime(ticks, DateTimeKind.Utc);
    }
}
