using System.Globalization;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;

namespace SquadStudy.Web.Templates;

/// <summary>
/// The base of the <c>.cshtml</c> templates in this folder (<c>@inherits HtmlTemplate&lt;TModel&gt;</c>):
/// Razor markup rendered straight into a <see cref="TextWriter"/>, without MVC's view engine,
/// view buffers, layouts or tag helpers.
/// </summary>
/// <remarks>
/// The question page is the page every participant loads once per answer (docs/participants.md,
/// "What an answer costs"): as a Razor Page, rendering it and running MVC around it took about
/// half a millisecond of the site's 1.2–1.6 ms of CPU per answer. These templates keep its markup
/// in Razor files, compiled by the same Razor SDK into a class whose <c>ExecuteAsync</c> calls the
/// write methods below. Their semantics follow MVC's <c>RazorPageBase</c>: expressions are
/// HTML-encoded, <see cref="IHtmlContent"/> is written as is, and an attribute whose only value is
/// <c>null</c> or <c>false</c> is left out (<c>true</c> writes the attribute's own name). A template
/// renders synchronously (it may not <c>await</c>), so it can also be an <see cref="IHtmlContent"/>
/// inside a Razor Page or inside another template. Templates live outside <c>Pages/</c> so that no
/// tag helpers apply to them.
/// </remarks>
public abstract class HtmlTemplate<TModel> : IHtmlContent
{
    private TextWriter? output;
    private HtmlEncoder encoder = HtmlEncoder.Default;
    private AttributeState attribute;

    public required TModel Model { get; init; }

    /// <summary>The body generated from the <c>.cshtml</c> file.</summary>
    public abstract Task ExecuteAsync();

    /// <summary>Renders the template into <paramref name="writer"/>, encoding expressions with <paramref name="htmlEncoder"/>.</summary>
    public void WriteTo(TextWriter writer, HtmlEncoder htmlEncoder)
    {
        var previous = (output, encoder);
        (output, encoder) = (writer, htmlEncoder);
        try
        {
            var rendering = ExecuteAsync();
            if (!rendering.IsCompleted)
            {
                throw new InvalidOperationException($"{GetType().Name} awaited during rendering; templates must render synchronously.");
            }
            rendering.GetAwaiter().GetResult();
        }
        finally
        {
            (output, encoder) = previous;
        }
    }

    private TextWriter Output => output ?? throw new InvalidOperationException("A template writes only while it is being rendered (WriteTo).");

    protected void WriteLiteral(string? literal) => Output.Write(literal);

    protected void Write(string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            encoder.Encode(Output, value);
        }
    }

    protected void Write(int value)
    {
        Span<char> digits = stackalloc char[11];
        value.TryFormat(digits, out var written, provider: CultureInfo.InvariantCulture);
        Output.Write(digits[..written]);
    }

    protected void Write(object? value)
    {
        switch (value)
        {
            case null:
                return;
            case IHtmlContent html:
                html.WriteTo(Output, encoder);
                return;
            default:
                Write(Convert.ToString(value, CultureInfo.InvariantCulture));
                return;
        }
    }

    protected void BeginWriteAttribute(string name, string prefix, int prefixOffset, string suffix, int suffixOffset, int attributeValuesCount)
    {
        attribute = new AttributeState(name, prefix, suffix, attributeValuesCount, Suppressed: false);
        // A single value decides whether the attribute is written at all; with more, it always is.
        if (attributeValuesCount != 1)
        {
            WriteLiteral(prefix);
        }
    }

    protected void WriteAttributeValue(string prefix, int prefixOffset, object? value, int valueOffset, int valueLength, bool isLiteral)
    {
        if (attribute.ValuesCount == 1)
        {
            if (string.IsNullOrEmpty(prefix) && value is null or false)
            {
                attribute = attribute with { Suppressed = true };
                return;
            }
            WriteLiteral(attribute.Prefix);
            if (string.IsNullOrEmpty(prefix) && value is true)
            {
                value = attribute.Name;
            }
        }
        if (value is null)
        {
            return;
        }
        WriteLiteral(prefix);
        if (isLiteral)
        {
            WriteLiteral(Convert.ToString(value, CultureInfo.InvariantCulture));
        }
        else
        {
            Write(value);
        }
    }

    protected void EndWriteAttribute()
    {
        if (!attribute.Suppressed)
        {
            WriteLiteral(attribute.Suffix);
        }
    }

    private readonly record struct AttributeState(string Name, string Prefix, string Suffix, int ValuesCount, bool Suppressed);
}
