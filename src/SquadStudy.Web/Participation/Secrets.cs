using System.Security.Cryptography;

namespace SquadStudy.Web.Participation;

/// <summary>Random participant tokens and withdrawal codes from the operating system's CSPRNG.</summary>
public static class Secrets
{
    /// <summary>Crockford's base-32 alphabet: no I, L, O, U, so a code read aloud or retyped survives.</summary>
    private const string Base32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// <summary>192 random bits, base64url (32 characters).</summary>
    public static string NewToken() => System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24));

    /// <summary>130 random bits as 26 base-32 characters (stored without separators).</summary>
    public static string NewWithdrawalCode()
    {
        Span<char> code = stackalloc char[26];
        for (var i = 0; i < code.Length; i++)
        {
            code[i] = Base32[RandomNumberGenerator.GetInt32(Base32.Length)];
        }
        return new string(code);
    }

    /// <summary>The code in groups of five for display: <c>ABCDE-FGHJK-…</c>.</summary>
    public static string FormatWithdrawalCode(string code) =>
        string.Join('-', code.Chunk(5).Select(c => new string(c)));

    /// <summary>What a person typed, reduced to the stored form; null when it cannot be a code.</summary>
    public static string? NormalizeWithdrawalCode(string? typed)
    {
        if (typed is null)
        {
            return null;
        }
        var chars = Retyped(typed);
        return chars.Length == 26 && chars.All(c => Base32.Contains(c)) ? new string(chars) : null;
    }

    /// <summary>
    /// The code that resumes a recruiter id's session on another device: 50 bits of SHA-256 of the
    /// session token (never shown), so only the person who holds the session can read it from their
    /// pages, and it needs no column of its own. Ten base-32 characters, shown as <c>ABCDE-FGHJK</c>.
    /// </summary>
    public static string ResumeCode(string token)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("squadstudy resume code\0" + token), hash);
        Span<char> code = stackalloc char[10];
        var bits = BitConverter.ToUInt64(hash);
        for (var i = 0; i < code.Length; i++)
        {
            code[i] = Base32[(int)(bits & 31)];
            bits >>= 5;
        }
        return new string(code);
    }

    /// <summary>True when <paramref name="typed"/> is the resume code of <paramref name="token"/> (case, dashes and look-alike letters forgiven).</summary>
    public static bool IsResumeCode(string token, string? typed)
    {
        if (typed is null || typed.Length > 32)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.ASCII.GetBytes(new string(Retyped(typed))), System.Text.Encoding.ASCII.GetBytes(ResumeCode(token)));
    }

    /// <summary>A typed code forgiven its case, spaces, dashes and look-alike letters (O/0, I/L/1).</summary>
    private static char[] Retyped(string typed) =>
        typed.Where(c => !char.IsWhiteSpace(c) && c != '-').Select(char.ToUpperInvariant)
            .Select(c => c switch { 'O' => '0', 'I' or 'L' => '1', _ => c })
            .ToArray();
}
