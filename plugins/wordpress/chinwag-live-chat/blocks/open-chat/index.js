/**
 * The "Open chat" block in the editor: a button or a link with its label, and the two
 * settings in the sidebar. Plain JavaScript on WordPress's globals, so the plugin needs
 * no build step; the page shows what the server renders (class-button.php).
 */
(function (blocks, element, blockEditor, components, i18n) {
  var el = element.createElement;
  var __ = i18n.__;

  blocks.registerBlockType('chinwag/open-chat', {
    edit: function (props) {
      var attributes = props.attributes;
      var label = attributes.label || __('Chat with us', 'chinwag-live-chat');
      var preview =
        attributes.style === 'link'
          ? el(
              'a',
              {
                href: '#chat',
                className: 'chinwag-open-link',
                onClick: function (e) {
                  e.preventDefault();
                },
              },
              label,
            )
          : el('button', { type: 'button', className: 'wp-element-button' }, label);
      return el(
        element.Fragment,
        null,
        el(
          blockEditor.InspectorControls,
          null,
          el(
            components.PanelBody,
            { title: __('Open chat', 'chinwag-live-chat') },
            el(components.TextControl, {
              label: __('Label', 'chinwag-live-chat'),
              value: attributes.label,
              placeholder: __('Chat with us', 'chinwag-live-chat'),
              onChange: function (value) {
                props.setAttributes({ label: value });
              },
            }),
            el(components.SelectControl, {
              label: __('Style', 'chinwag-live-chat'),
              value: attributes.style,
              options: [
                { label: __('Button', 'chinwag-live-chat'), value: 'button' },
                { label: __('Inline link', 'chinwag-live-chat'), value: 'link' },
              ],
              onChange: function (value) {
                props.setAttributes({ style: value });
              },
            }),
          ),
        ),
        el('div', blockEditor.useBlockProps(), preview),
      );
    },
    // A dynamic block: the server renders it, so the chat button follows the widget's rules.
    save: function () {
      return null;
    },
  });
})(window.wp.blocks, window.wp.element, window.wp.blockEditor, window.wp.components, window.wp.i18n);
