using System.Security.Cryptography;
using System.Text;

namespace SquadStudy.Data.Tests;

/// <summary>The canonical form and hash of a study's definition and analysis settings.</summary>
public sealed class PreregistrationTests
{
    private const string Definition = """
        {
          "slug": "demo", "title": "Which explanation helps?", "consent": "consent.md",
          "models": ["vgg", "weak"],
          "experiments": [ { "type": "discrimination", "models": ["vgg"], "methods": ["gradcam", "squadcam"], "questions": 30 } ],
          "attention_checks": [ { "after": 10, "prompt": "Choose Neither.", "answer": "Neither" } ],
          "completion": { "code": "C0DE", "redirect": "prolific" },
          "exclusions": { "min_median_response_ms": 800, "fail_attention": true }
        }
        """;

    private static string Hash(string definition) => Preregistration.Sha256(Preregistration.CanonicalJson(definition));

    [Fact]
    public void Hash_IsTheSha256OfTheCanonicalJsonsUtf8Bytes()
    {
        var canonical = Preregistration.CanonicalJson(Definition);
        Hash(Definition).ShouldBe(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))));
        Hash(Definition).Length.ShouldBe(64);
        canonical.ShouldNotContain("\n");
        canonical.ShouldContain("\"min_median_response_ms\":800");
    }

    [Fact]
    public void SameDefinition_WrittenDifferently_HasTheSameHash()
    {
        // Key order, whitespace, comments, a trailing comma and a default written out do not make another definition.
        const string reordered = """
            // the same study
            {"exclusions":{"fail_attention":true,"min_median_response_ms":800},"completion":{"redirect":"prolific","code":"C0DE"},
             "attention_checks":[{"answer":"Neither","prompt":"Choose Neither.","after":10}],
             "experiments":[{"questions":30,"methods":["gradcam","squadcam"],"models":["vgg"],"type":"discrimination"}],
             "models":["vgg","weak"],"consent":"consent.md","title":"Which explanation helps?","slug":"demo",
             "abandon_after_minutes": 90, "language": "en",}
            """;
        Hash(reordered).ShouldBe(Hash(Definition));
        Hash(Definition).ShouldBe(Hash(Definition));
    }

    [Theory]
    [InlineData("\"questions\": 30", "\"questions\": 31")]
    [InlineData("[\"gradcam\", \"squadcam\"]", "[\"squadcam\", \"gradcam\"]")]
    [InlineData("\"min_median_response_ms\": 800", "\"min_median_response_ms\": 1000")]
    [InlineData("\"fail_attention\": true", "\"fail_attention\": false")]
    [InlineData("\"after\": 10", "\"after\": 11")]
    [InlineData("\"code\": \"C0DE\"", "\"code\": \"C0DF\"")]
    public void AnyChange_ChangesTheHash_AndIsNamedByItsPath(string before, string after)
    {
        Definition.ShouldContain(before);
        var changed = Definition.Replace(before, after, StringComparison.Ordinal);

        Hash(changed).ShouldNotBe(Hash(Definition));
        Preregistration.Differences(Preregistration.CanonicalJson(Definition), Preregistration.CanonicalJson(changed)).ShouldNotBeEmpty();
    }

    [Fact]
    public void Differences_NameEachChangedField_WithOldAndNewValue()
    {
        var changed = Definition.Replace("\"min_median_response_ms\": 800", "\"min_median_response_ms\": 1000", StringComparison.Ordinal)
            .Replace("\"fail_attention\": true", "\"fail_attention\": false", StringComparison.Ordinal);

        Preregistration.Differences(Preregistration.CanonicalJson(Definition), Preregistration.CanonicalJson(changed))
            .ShouldBe(["exclusions.fail_attention: true → false", "exclusions.min_median_response_ms: 800 → 1000"]);
        Preregistration.Differences(Preregistration.CanonicalJson(Definition), Preregistration.CanonicalJson(Definition)).ShouldBeEmpty();
    }

    [Fact]
    public void Differences_NameAddedAndRemovedRules()
    {
        var without = Definition.Replace("\"min_median_response_ms\": 800, ", "", StringComparison.Ordinal);

        Preregistration.Differences(Preregistration.CanonicalJson(Definition), Preregistration.CanonicalJson(without))
            .ShouldBe(["exclusions.min_median_response_ms: 800 → null"]);
    }
}
