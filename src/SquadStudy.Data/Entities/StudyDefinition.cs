using System.Text.Json;
using System.Text.Json.Serialization;

namespace SquadStudy.Data.Entities;

/// <summary>
/// The study's design, <c>study.json</c> (docs/study-pack.md): the one typed form of it. The pack
/// reads the file (with line-numbered problems) at import; the study keeps it verbatim as
/// <see cref="Study.DefinitionJson"/> and everything after import reads it back with <see cref="Parse"/>.
/// It lives in the data layer because it is the typed value of a stored column, which the
/// participant side, the reports and the precompute worker all read.
/// </summary>
public sealed record StudyDefinition
{
    public string Slug { get; init; } = "";
    public string Title { get; init; } = "";
    public string Consent { get; init; } = "";
    public string? Instructions { get; init; }
    /// <summary>The language of the consent and instructions files (a tag such as <c>en</c> or <c>de</c>); the same files in another language are <c>consent.de.md</c> beside <c>consent.md</c>.</summary>
    public string Language { get; init; } = "en";
    public IReadOnlyList<string> Models { get; init; } = [];
    public IReadOnlyList<ExperimentDefinition> Experiments { get; init; } = [];
    public IReadOnlyList<AttentionCheckDefinition> AttentionChecks { get; init; } = [];
    public CompletionDefinition? Completion { get; init; }
    public int AbandonAfterMinutes { get; init; } = 90;
    /// <summary>
    /// The most minutes a participant may take from consent (the recruiter's maximum time, Prolific's
    /// TIMED-OUT); null = no limit. Past it the sweep marks them <c>timed_out</c> and frees their slots.
    /// </summary>
    public int? TimeLimitMinutes { get; init; }
    /// <summary>The optional comprehension gate between the instructions and the first question.</summary>
    public ComprehensionDefinition? Comprehension { get; init; }
    /// <summary>Thresholds of the quality flags; every flag is computed and shown, none excludes unless <see cref="ExclusionDefinition.Flags"/> names it.</summary>
    public QualityDefinition Quality
    {
        get => quality;
        // "quality": null in study.json means the defaults, as leaving it out does.
        init => quality = value ?? new();
    }

    private readonly QualityDefinition quality = new();
    public ExclusionDefinition? Exclusions { get; init; }
    /// <summary>Seed of the deterministic choices made when stimuli are generated (distractor classes).</summary>
    public int Seed { get; init; }

    /// <summary>
    /// Reads a stored definition. The pack validated it in full at import; this still refuses what
    /// would make a participant's plan wrong (an experiment without a type, a negative quota, an
    /// attention check without prompt or answer), naming the field at fault.
    /// </summary>
    public static StudyDefinition Parse(string json)
    {
        StudyDefinition? definition;
        try
        {
            definition = JsonSerializer.Deserialize<StudyDefinition>(json, PackJson.Options);
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"study.json is not valid: {exception.Message}", exception);
        }
        if (definition is null)
        {
            throw new InvalidDataException("study.json is JSON null, not an object.");
        }
        for (var i = 0; i < definition.Experiments.Count; i++)
        {
            var experiment = definition.Experiments[i];
            if (string.IsNullOrEmpty(experiment.Type))
            {
                throw new InvalidDataException($"study.json: experiments[{i}].type is missing.");
            }
            if (experiment.Questions < 0)
            {
                throw new InvalidDataException($"study.json: experiments[{i}].questions must be a non-negative integer.");
            }
        }
        for (var i = 0; i < definition.AttentionChecks.Count; i++)
        {
            var check = definition.AttentionChecks[i];
            if (check.After < 0)
            {
                throw new InvalidDataException($"study.json: attention_checks[{i}].after must be a non-negative integer.");
            }
            if (string.IsNullOrWhiteSpace(check.Prompt) || string.IsNullOrWhiteSpace(check.Answer))
            {
                throw new InvalidDataException($"study.json: attention_checks[{i}] needs a prompt and an answer.");
            }
        }
        if (definition.ParticipantRuleProblems().FirstOrDefault() is { } problem)
        {
            throw new InvalidDataException($"study.json: {problem}");
        }
        return definition;
    }

    /// <summary>
    /// What is wrong with the completion codes, time limit, comprehension gate, quality thresholds
    /// and exclusion flags, one sentence each naming the field (the pack reports them all at import,
    /// <see cref="Parse"/> refuses the first).
    /// </summary>
    public IEnumerable<string> ParticipantRuleProblems()
    {
        if (Completion is { } completion)
        {
            foreach (var (field, code) in new[] { ("screened_out", completion.ScreenedOut), ("no_code", completion.NoCode) })
            {
                if (code is null)
                {
                    continue;
                }
                if (!CompletionDefinition.IsValidCode(code))
                {
                    yield return $"completion.{field} '{code}' is not a code: use 1–40 characters of A–Z, a–z, 0–9, '_' and '-'.";
                }
                else if (code == completion.Code)
                {
                    yield return $"completion.{field} must differ from completion.code: the recruiter tells the endings apart by their codes.";
                }
            }
            if (completion.ScreenedOut is not null && completion.ScreenedOut == completion.NoCode)
            {
                yield return "completion.screened_out and completion.no_code must differ.";
            }
        }
        if (TimeLimitMinutes is <= 0)
        {
            yield return "time_limit_minutes must be positive (or left out for no limit).";
        }
        if (Comprehension is { } gate)
        {
            if (gate.Questions.Count == 0)
            {
                yield return "comprehension.questions is empty: leave \"comprehension\" out for a study without a gate.";
            }
            if (gate.MaxAttempts is < 1 or > 20)
            {
                yield return $"comprehension.max_attempts {gate.MaxAttempts} must be between 1 and 20.";
            }
            for (var i = 0; i < gate.Questions.Count; i++)
            {
                var question = gate.Questions[i];
                if (string.IsNullOrWhiteSpace(question.Prompt))
                {
                    yield return $"comprehension.questions[{i}] has no prompt.";
                }
                if (question.Options.Count < 2 || question.Options.Any(string.IsNullOrWhiteSpace) || question.Options.Distinct(StringComparer.Ordinal).Count() != question.Options.Count)
                {
                    yield return $"comprehension.questions[{i}] needs at least two distinct, non-empty options.";
                }
                if (!question.Options.Contains(question.Answer, StringComparer.Ordinal))
                {
                    yield return $"comprehension.questions[{i}].answer '{question.Answer}' is not one of its options.";
                }
            }
        }
        if (Quality.FastAnswerMs < 0 || Quality.FastAnswerCount < 1)
        {
            yield return "quality.fast_answer_ms must be ≥ 0 and quality.fast_answer_count ≥ 1.";
        }
        if (Quality.IdenticalRun < 2)
        {
            yield return "quality.identical_run must be at least 2.";
        }
        foreach (var problem in ConfidenceProblems())
        {
            yield return problem;
        }
        foreach (var flag in Rules.Flags ?? [])
        {
            if (!QualityFlags.All.Contains(flag, StringComparer.Ordinal))
            {
                yield return $"exclusions.flags names '{flag}', which is not one of {string.Join(", ", QualityFlags.All)}.";
            }
        }
    }

    /// <summary>
    /// The confidence scales: only on experiments whose answers are right or wrong (discrimination, simulation), with
    /// 2–<see cref="ConfidenceDefinition.MaxLevels"/> levels, labels that fit them (or the platform's, up to
    /// <see cref="ConfidenceDefinition.BuiltInLevels"/> levels), and one scale per experiment type, since a
    /// stimulus knows its type but not which of several experiments of that type drew it.
    /// </summary>
    private IEnumerable<string> ConfidenceProblems()
    {
        for (var i = 0; i < Experiments.Count; i++)
        {
            if (Experiments[i].Confidence is not { } scale)
            {
                continue;
            }
            var where = $"experiments[{i}].confidence";
            if (!ConfidenceDefinition.Rated(Experiments[i].Type))
            {
                yield return $"{where}: only {string.Join(" and ", ConfidenceDefinition.RatedTypes)} answers are right or wrong, so only they take a confidence scale.";
            }
            if (scale.Levels is < 2 or > ConfidenceDefinition.MaxLevels)
            {
                yield return $"{where}.levels {scale.Levels} must be between 2 and {ConfidenceDefinition.MaxLevels}.";
            }
            else if (scale.Labels is null && scale.Levels > ConfidenceDefinition.BuiltInLevels)
            {
                yield return $"{where}: the platform has labels for up to {ConfidenceDefinition.BuiltInLevels} levels; give {scale.Levels} labels.";
            }
            if (scale.Labels is { } labels && (labels.Count != scale.Levels || labels.Any(string.IsNullOrWhiteSpace)
                || labels.Distinct(StringComparer.Ordinal).Count() != labels.Count))
            {
                yield return $"{where}.labels must be {scale.Levels} distinct, non-empty texts, from the least to the most confident.";
            }
        }
        foreach (var type in Experiments.GroupBy(e => e.Type).Where(g => g.Select(e => e.Confidence).Distinct(ConfidenceDefinition.SameScale).Count() > 1))
        {
            yield return $"the {type.Key} experiments ask for confidence differently; experiments of one type share one scale (or none).";
        }
    }

    /// <summary>The confidence scale asked after answers of this experiment type, or null when none is.</summary>
    public ConfidenceDefinition? ConfidenceFor(string? experiment) =>
        Experiments.FirstOrDefault(e => e.Type == experiment && e.Confidence is not null)?.Confidence;

    /// <summary>The exclusion rules; absent rules do not apply.</summary>
    [JsonIgnore]
    public ExclusionDefinition Rules => Exclusions ?? new ExclusionDefinition(null, false);
}

public sealed record ExperimentDefinition
{
    public string Type { get; init; } = "";
    public IReadOnlyList<string> Models { get; init; } = [];
    public IReadOnlyList<string> Methods { get; init; } = [];
    public int Questions { get; init; }
    public bool RequireCorrect { get; init; }
    /// <summary>Optional stems; null = every image that qualifies.</summary>
    public IReadOnlyList<string>? Images { get; init; }
    /// <summary>A confidence scale asked with every answer of the experiment (Kim et al. 2022, HIVE); null = none.</summary>
    public ConfidenceDefinition? Confidence { get; init; }
}

/// <summary>
/// study.json <c>experiments[].confidence</c>: after choosing an answer the participant rates how
/// confident they are, from 1 (least) to <see cref="Levels"/> (most), in the same form. Without
/// <see cref="Labels"/> the platform's labels (translated) are shown; the pack's own are shown as written.
/// </summary>
public sealed record ConfidenceDefinition
{
    /// <summary>The most levels a scale may have.</summary>
    public const int MaxLevels = 7;

    /// <summary>The most levels the platform has labels for (<c>Questions.ConfidenceLabels</c> in the site).</summary>
    public const int BuiltInLevels = 5;

    /// <summary>The experiment types whose answers are right or wrong and so take a confidence scale.</summary>
    public static IReadOnlyList<string> RatedTypes { get; } = [ExperimentKind.Discrimination, ExperimentKind.Simulation];

    public static bool Rated(string type) => RatedTypes.Contains(type, StringComparer.Ordinal);

    public int Levels { get; init; }

    /// <summary>The levels' texts, least confident first; null = the platform's.</summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>Two scales are the same when their levels and labels are (records compare lists by reference).</summary>
    public static IEqualityComparer<ConfidenceDefinition?> SameScale { get; } = EqualityComparer<ConfidenceDefinition?>.Create(
        (a, b) => a is null ? b is null : b is not null && a.Levels == b.Levels && (a.Labels ?? []).SequenceEqual(b.Labels ?? [], StringComparer.Ordinal),
        a => a?.Levels ?? 0);
}

/// <summary>An instructed-response attention check (study.json <c>attention_checks[]</c>).</summary>
public sealed record AttentionCheckDefinition(int After, string Prompt, string Answer)
{
    /// <summary>Options shown with a check that lists none; the answer is always among them.</summary>
    public static IReadOnlyList<string> DefaultOptions { get; } = ["Agree", "Disagree", "Neither", "Not sure"];

    /// <summary>The options study.json lists (<c>options</c>), if any.</summary>
    [JsonPropertyName("options")]
    public IReadOnlyList<string>? ListedOptions { get; init; }

    /// <summary>The options shown: those listed (else <see cref="DefaultOptions"/>), with the answer added when missing.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Options
    {
        get
        {
            var options = ListedOptions?.Where(o => !string.IsNullOrEmpty(o)).ToList() ?? [];
            if (options.Count == 0)
            {
                options.AddRange(DefaultOptions);
            }
            if (!options.Contains(Answer, StringComparer.Ordinal))
            {
                options.Add(Answer);
            }
            return options;
        }
    }
}

/// <summary>
/// study.json <c>completion</c>: the code of a finished plan, where to send the participant, and the
/// codes of the two other endings the recruiter tells apart (Prolific: one completion code each,
/// every one with its own action in the study's settings).
/// </summary>
public sealed record CompletionDefinition(string Code, string? Redirect)
{
    /// <summary>The code of a participant who failed the comprehension gate (Prolific's "screened out" code); null = none.</summary>
    public string? ScreenedOut { get; init; }

    /// <summary>
    /// The code of a participant who returned the study (chose "return this study"): on Prolific a
    /// code whose action is to request a return; null = the participant returns it on the recruiter's site.
    /// </summary>
    public string? NoCode { get; init; }

    /// <summary>What a code may be: the characters Prolific's codes and a URL's query carry unchanged.</summary>
    public static bool IsValidCode(string code) =>
        code.Length is >= 1 and <= 40 && code.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
}

/// <summary>
/// study.json <c>comprehension</c>: practice questions after the instructions that must all be
/// answered correctly, in at most <see cref="MaxAttempts"/> tries, before the first question.
/// </summary>
public sealed record ComprehensionDefinition
{
    public IReadOnlyList<GateQuestionDefinition> Questions { get; init; } = [];
    public int MaxAttempts { get; init; } = 3;
}

/// <summary>One comprehension question; <see cref="Feedback"/> is shown after a wrong answer (never the answer itself).</summary>
public sealed record GateQuestionDefinition
{
    public string Prompt { get; init; } = "";
    public IReadOnlyList<string> Options { get; init; } = [];
    public string Answer { get; init; } = "";
    public string? Feedback { get; init; }
}

/// <summary>study.json <c>quality</c>: the thresholds of the quality flags (docs/participants.md).</summary>
public sealed record QualityDefinition
{
    /// <summary>An answer faster than this many milliseconds counts as fast.</summary>
    public int FastAnswerMs { get; init; } = 1000;
    /// <summary>The <see cref="QualityFlags.FastAnswers"/> flag is raised at this many fast answers.</summary>
    public int FastAnswerCount { get; init; } = 3;
    /// <summary>The <see cref="QualityFlags.IdenticalRun"/> flag is raised at this many consecutive answers in the same screen position.</summary>
    public int IdenticalRun { get; init; } = 8;
}

/// <summary>The per-participant quality flags, by their names in study.json, the exports and the results.</summary>
public static class QualityFlags
{
    public const string FastAnswers = "fast_answers";
    public const string IdenticalRun = "identical_run";
    public const string PageHidden = "page_hidden";
    public const string ScriptedInput = "scripted_input";
    public const string DuplicateDevice = "duplicate_device";

    public static IReadOnlyList<string> All { get; } = [FastAnswers, IdenticalRun, PageHidden, ScriptedInput, DuplicateDevice];
}

/// <summary>The exclusion rules of study.json (<c>exclusions</c>).</summary>
public sealed record ExclusionDefinition(int? MinMedianResponseMs, bool FailAttention)
{
    /// <summary>The quality flags that exclude a participant from the analysis; null or empty = flags are only shown.</summary>
    public IReadOnlyList<string>? Flags { get; init; }
}

/// <summary>The JSON conventions of pack files: snake_case names, comments and trailing commas tolerated.</summary>
public static class PackJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
