using System.Globalization;

namespace SquadStudy.Engine.Explainers;

/// <summary>
/// One parameter of a method's name, as in <c>smoothgrad(n=25,sigma=0.15)</c>: its key, the values it
/// allows, how a value is checked and written into a <see cref="MethodSpec"/>'s options, and the value's
/// canonical text. The canonical text is what names compare by, so it must be a normal form: a whole
/// number without sign or leading zeros, a decimal without exponent or trailing zeros, a choice in lower case.
/// </summary>
public abstract class MethodParameter(string key)
{
    public string Key { get; } = key;

    /// <summary>The allowed values in words, e.g. "a whole number from 1 to 4096".</summary>
    public abstract string Allowed { get; }

    /// <summary>Null when <paramref name="value"/> (trimmed, lower case, not empty) is allowed, else why not, e.g. "not a whole number".</summary>
    public abstract string? Problem(string value);

    /// <summary>The spec with <paramref name="value"/> (one <see cref="Problem"/> accepts) written into its options.</summary>
    public abstract MethodSpec Apply(MethodSpec spec, string value);

    /// <summary>The canonical text of the spec's value of this parameter.</summary>
    public abstract string Format(MethodSpec spec);

    /// <summary>A whole number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static MethodParameter Whole(string key, int min, int max, Func<MethodSpec, int> get, Func<MethodSpec, int, MethodSpec> set) =>
        new WholeParameter(key, min, max, get, set);

    /// <summary>A decimal in [<paramref name="min"/>, <paramref name="max"/>] with at most <paramref name="decimals"/> digits after the point.</summary>
    public static MethodParameter Decimal(string key, decimal min, decimal max, int decimals, Func<MethodSpec, float> get, Func<MethodSpec, float, MethodSpec> set) =>
        new DecimalParameter(key, min, max, decimals, get, set);

    /// <summary>One of the members of <typeparamref name="TEnum"/>, written in lower case.</summary>
    public static MethodParameter Choice<TEnum>(string key, Func<MethodSpec, TEnum> get, Func<MethodSpec, TEnum, MethodSpec> set) where TEnum : struct, Enum =>
        new ChoiceParameter<TEnum>(key, get, set);

    private const NumberStyles Number = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint;

    private static string Plain(decimal value) => value.ToString("0.############################", CultureInfo.InvariantCulture);

    private sealed class WholeParameter(string key, int min, int max, Func<MethodSpec, int> get, Func<MethodSpec, int, MethodSpec> set)
        : MethodParameter(key)
    {
        public override string Allowed => $"a whole number from {min} to {max}";

        public override string? Problem(string value)
        {
            if (!decimal.TryParse(value, Number, CultureInfo.InvariantCulture, out var d) || d != decimal.Truncate(d)) return "not a whole number";
            return d < min || d > max ? "out of range" : null;
        }

        public override MethodSpec Apply(MethodSpec spec, string value) => set(spec, (int)decimal.Parse(value, Number, CultureInfo.InvariantCulture));

        public override string Format(MethodSpec spec) => get(spec).ToString(CultureInfo.InvariantCulture);
    }

    private sealed class DecimalParameter(string key, decimal min, decimal max, int decimals, Func<MethodSpec, float> get, Func<MethodSpec, float, MethodSpec> set)
        : MethodParameter(key)
    {
        public override string Allowed => $"a number from {Plain(min)} to {Plain(max)} with at most {decimals} decimals";

        public override string? Problem(string value)
        {
            if (!decimal.TryParse(value, Number, CultureInfo.InvariantCulture, out var d)) return "not a number";
            if (decimal.Round(d, decimals) != d) return $"more precise than {decimals} decimals";
            return d < min || d > max ? "out of range" : null;
        }

        // At most 6 decimals in a range near [0, 1] are distinct floats, and (decimal)float gives
        // them back exactly (7 significant digits), so parsing a canonical name reproduces it.
        public override MethodSpec Apply(MethodSpec spec, string value) => set(spec, (float)decimal.Parse(value, Number, CultureInfo.InvariantCulture));

        public override string Format(MethodSpec spec)
        {
            float value = get(spec);
            return float.IsFinite(value) ? Plain((decimal)value) : value.ToString(CultureInfo.InvariantCulture);
        }
    }

    private sealed class ChoiceParameter<TEnum>(string key, Func<MethodSpec, TEnum> get, Func<MethodSpec, TEnum, MethodSpec> set)
        : MethodParameter(key) where TEnum : struct, Enum
    {
        private static readonly string[] Names = [.. Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant())];

        public override string Allowed => $"one of {string.Join(", ", Names)}";

        public override string? Problem(string value) => Names.Contains(value) ? null : "not a choice";

        public override MethodSpec Apply(MethodSpec spec, string value) => set(spec, Enum.Parse<TEnum>(value, ignoreCase: true));

        public override string Format(MethodSpec spec) => get(spec).ToString().ToLowerInvariant();
    }
}
