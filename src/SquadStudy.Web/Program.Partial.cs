// WebApplicationFactory<Program> in the integration and browser tests needs a public Program type;
// top-level statements generate an internal one, so this declaration makes it public.
public partial class Program;
