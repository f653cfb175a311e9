namespace SquadStudy.Web.Participation;

/// <summary>
/// The participant pages' texts, for <c>IStringLocalizer&lt;ParticipantText&gt;</c>: one shared
/// resource for every participant page, so that a language is one file,
/// <c>ParticipantText.{language}.resx</c> beside this class. The keys are the English texts
/// themselves (the framework's convention: an English page needs no file, and a key without a
/// translation shows its English text). docs/participants.md, "Languages", says how to add a
/// string or a language; <c>LanguageTests.EveryParticipantText_HasAGermanTranslation</c> fails when a participant string has no
/// translation.
/// </summary>
public sealed class ParticipantText;
