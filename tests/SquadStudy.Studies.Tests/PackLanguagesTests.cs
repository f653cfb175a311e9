using Microsoft.EntityFrameworkCore;
using SquadStudy.Data.Entities;

namespace SquadStudy.Studies.Tests;

/// <summary>A pack's consent and instructions in the participant pages' other languages (consent.de.md beside consent.md).</summary>
public sealed class PackLanguagesTests
{
    private readonly FakeEngine _engine = new();

    [Fact]
    public async Task GermanFiles_AreReadAndImported_WithoutWarnings()
    {
        using var files = new TestPack();
        files.Write("consent.de.md", "# Einwilligung\nSie können jederzeit widerrufen.\n");
        files.Write("instructions.de.md", "Sehen Sie sich das Bild an.\n");
        using (var pack = StudyPack.Load(files.Root, _engine))
        {
            pack.Translations.ShouldBe([new PackText("de", "# Einwilligung\nSie können jederzeit widerrufen.\n", "Sehen Sie sich das Bild an.\n")]);
            pack.Warnings.ShouldBeEmpty();
        }

        await using var database = await StudyDatabase.CreateAsync(_engine);
        await database.WithAsync<StudyImporter, Study>(i => i.ImportAsync(files.Root));
        var texts = await database.WithDbAsync(db => db.StudyTexts.AsNoTracking().ToListAsync());
        texts.Count.ShouldBe(1);
        texts[0].Language.ShouldBe("de");
        texts[0].ConsentMarkdown.ShouldStartWith("# Einwilligung");
        texts[0].InstructionsMarkdown.ShouldStartWith("Sehen Sie");
    }

    [Fact]
    public void MissingGermanInstructions_IsAWarningNamingTheFileAndItsFallback_NotAProblem()
    {
        using var files = new TestPack();
        files.Write("consent.de.md", "# Einwilligung\n");
        using var pack = StudyPack.Load(files.Root, _engine);

        pack.Translations.ShouldBe([new PackText("de", "# Einwilligung\n", null)]);
        pack.Warnings.Select(w => w.ToString()).ShouldBe(["instructions.de.md: is missing: participants who choose 'de' read instructions.md (en) instead."]);
    }

    [Fact]
    public void NoTranslations_WarnsForEachFile_AndImportsTheOwnTextsOnly()
    {
        using var files = new TestPack();
        using var pack = StudyPack.Load(files.Root, _engine);

        pack.Translations.ShouldBeEmpty();
        pack.Warnings.Select(w => w.File).ShouldBe(["consent.de.md", "instructions.de.md"]);
    }

    [Fact]
    public void AGermanPack_HasEnglishAsItsOtherLanguage()
    {
        using var files = new TestPack();
        files.Study["language"] = "de";
        files.SaveStudy();
        files.Write("consent.en.md", "# Consent in English\n");
        using var pack = StudyPack.Load(files.Root, _engine);

        pack.Definition.Language.ShouldBe("de");
        pack.Translations.ShouldBe([new PackText("en", "# Consent in English\n", null)]);
        pack.Warnings.Select(w => w.File).ShouldBe(["instructions.en.md"]);
    }

    [Fact]
    public void ALanguageThatIsNoTag_IsAProblem()
    {
        using var files = new TestPack();
        files.Study["language"] = "German";
        files.SaveStudy();

        var error = Should.Throw<StudyPackException>(() => StudyPack.Load(files.Root, _engine).Dispose());
        error.Problems.Select(p => p.ToString()).ShouldContain("study.json: language 'German' is not a language tag such as \"en\" or \"de\".");
    }
}
