/**
 * Settings -> Chinwag: the new-account fields show only when "Create a Chinwag account"
 * is chosen (without this script they all show, marked "new accounts only").
 */
(function () {
  var form = document.querySelector('.chinwag-connect');
  if (form) {
    var rows = form.querySelectorAll('.chinwag-signup');
    var password = form.querySelector('#chinwag-password');
    var sync = function () {
      var signup = form.querySelector('input[name="account"]:checked').value === 'signup';
      rows.forEach(function (row) {
        row.hidden = !signup;
        row.querySelectorAll('input').forEach(function (input) {
          input.required = signup;
        });
      });
      password.autocomplete = signup ? 'new-password' : 'current-password';
      password.minLength = signup ? 8 : 0;
    };
    form.addEventListener('change', sync);
    sync();
  }
})();
