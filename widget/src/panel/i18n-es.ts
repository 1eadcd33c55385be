/** The panel's text in Spanish. */
import type { Strings } from './i18n-en.js';

const es: Strings = {
  online: 'Estamos en línea',
  away: 'Te responderemos lo antes posible',
  close: 'Cerrar el chat',
  conversations: 'Tus conversaciones',
  showConversations: 'Ver tus conversaciones',
  back: 'Volver a la conversación',
  messages: 'Mensajes',
  placeholder: 'Escribe un mensaje…',
  send: 'Enviar',
  emoji: 'Añadir un emoji',
  attach: 'Adjuntar un archivo',
  you: 'Tú',
  typing: (who) => `${who} está escribiendo…`,
  seen: 'Visto',
  sending: 'Enviando…',
  failed: 'No enviado.',
  retry: 'Reintentar',
  earlier: 'Ver mensajes anteriores',
  reconnecting: 'Reconectando…',
  loading: 'Cargando…',
  error: 'Algo salió mal. Inténtalo de nuevo.',
  tooMany: 'Continúa primero una de tus conversaciones abiertas.',
  forbidden: 'El chat no está disponible en esta página.',
  transcript: 'Enviarme la transcripción por correo',
  poweredBy: 'Con la tecnología de Chinwag',
  privacy: 'Política de privacidad',
  deleteData: 'Eliminar mis conversaciones',
};
export default es;
