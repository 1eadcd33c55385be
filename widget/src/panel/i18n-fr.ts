/** The panel's text in French. */
import type { Strings } from './i18n-en.js';

const fr: Strings = {
  online: 'Nous sommes en ligne',
  away: 'Nous vous répondrons dès que possible',
  close: 'Fermer le chat',
  conversations: 'Vos conversations',
  showConversations: 'Afficher vos conversations',
  back: 'Retour à la conversation',
  messages: 'Messages',
  placeholder: 'Écrivez un message…',
  send: 'Envoyer',
  emoji: 'Ajouter un emoji',
  attach: 'Joindre un fichier',
  you: 'Vous',
  typing: (who) => `${who} écrit…`,
  seen: 'Vu',
  sending: 'Envoi…',
  failed: 'Non envoyé.',
  retry: 'Réessayer',
  earlier: 'Afficher les messages précédents',
  reconnecting: 'Reconnexion…',
  loading: 'Chargement…',
  error: 'Un problème est survenu. Veuillez réessayer.',
  tooMany: 'Veuillez d’abord poursuivre l’une de vos conversations ouvertes.',
  forbidden: 'Le chat n’est pas disponible sur cette page.',
  transcript: 'M’envoyer la transcription par e-mail',
  poweredBy: 'Propulsé par Chinwag',
  privacy: 'Politique de confidentialité',
  deleteData: 'Supprimer mes conversations',
};
export default fr;
