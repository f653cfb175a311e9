// The question form (Slices/QuestionForm.cshtml): number keys choose an option; Enter on a chosen
// option submits (radio buttons alone do not submit on Enter in every browser).
document.addEventListener('keydown', function (e) {
    if (e.target instanceof HTMLInputElement && e.target.type === 'text') return;
    var form = document.getElementById('question-form');
    if (!form) return;
    var option = form.querySelector('input[data-key="' + e.key + '"]');
    if (option) { option.checked = true; option.focus(); e.preventDefault(); return; }
    if (e.key === 'Enter' && e.target instanceof HTMLInputElement && e.target.type === 'radio') { e.preventDefault(); form.requestSubmit(); }
});
